package io.doppel.matcher.score;

import io.doppel.matcher.verify.Verification;

/**
 * The evidence about one (upload, original) pair that the fused score weighs: the upload is the image that may copy,
 * the original the one that may be copied (a registered work, or an earlier upload).
 *
 * @param globalSimilarity best global-descriptor similarity over the views
 * @param localVotes query keypoint descriptors with a near neighbour in the candidate
 * @param inliers geometric-verification inliers
 * @param inlierAreaShare share of the upload's verified view spanned by the inliers' convex hull
 * @param referenceCoverage share of the original's keypoints inside the inliers' hull (see {@code Verification.Coverage})
 * @param inlierDensity inliers over the original's keypoints inside that hull
 */
public record CandidateFeatures(
    double globalSimilarity,
    int localVotes,
    int inliers,
    double inlierAreaShare,
    double referenceCoverage,
    double inlierDensity) {

  /** Evidence with no coverage measured (records that carry none). */
  public CandidateFeatures(
      double globalSimilarity, int localVotes, int inliers, double inlierAreaShare) {
    this(globalSimilarity, localVotes, inliers, inlierAreaShare, 0, 0);
  }

  /** Retrieval evidence alone, before verification. */
  public static CandidateFeatures unverified(double globalSimilarity, int localVotes) {
    return new CandidateFeatures(globalSimilarity, localVotes, 0, 0, 0, 0);
  }

  /** The evidence of a verification oriented with the upload as its query (see {@code Verification.reversed}). */
  public static CandidateFeatures of(
      double globalSimilarity, int localVotes, Verification uploadAsQuery) {
    return new CandidateFeatures(
        globalSimilarity,
        localVotes,
        uploadAsQuery.inliers(),
        uploadAsQuery.queryAreaShare(),
        uploadAsQuery.candidateCoverage().share(),
        uploadAsQuery.candidateCoverage().density());
  }

  /** Names of the raw columns in a calibration CSV, and of the features a calibration file weighs. */
  public static final String GLOBAL_SIMILARITY = "global_similarity";

  public static final String LOCAL_VOTES = "local_votes";
  public static final String INLIERS = "inliers";
  public static final String INLIER_AREA_SHARE = "inlier_area_share";
  public static final String REFERENCE_COVERAGE = "reference_coverage";
  public static final String INLIER_DENSITY = "inlier_density";

  /**
   * Inliers that unrelated pairs do not reach: ORB+RANSAC finds at most this many between unrelated images of the DEV
   * set, so each inlier beyond it is evidence that log(1+n) alone weighs too little.
   */
  public static final int UNRELATED_MAX_INLIERS = 11;
  /** Inliers per unit of the {@code inliers_beyond_unrelated} feature, keeping it on the others' scale. */
  public static final double INLIERS_PER_UNIT = 10.0;

  /** Calibration feature names, in the order {@link #vector()} returns them; a calibration weighs some or all. */
  public static final java.util.List<String> FEATURE_NAMES = java.util.List.of(
      "log1p_inliers",
      INLIER_AREA_SHARE,
      GLOBAL_SIMILARITY,
      "log1p_local_votes",
      "inliers_beyond_unrelated",
      "supported_area_share",
      "supported_reference_coverage",
      "supported_inlier_density");

  /**
   * The model's input: counts enter as log(1+n) because the tenth inlier says much more than the
   * hundredth; similarity is clamped to [0,1] since negative cosine says "unrelated" no louder than 0. Inliers also
   * enter linearly beyond what unrelated pairs reach: fifty inliers prove a copy whatever the global similarity.
   * The inliers' area share, the original's coverage and the inlier density count in full only once the inliers
   * outnumber what unrelated pairs reach: four chance inliers can span a third of a view, and that says little.
   */
  public double[] vector() {
    int counted = Math.max(0, inliers);
    double areaShare = Math.clamp(inlierAreaShare, 0.0, 1.0);
    double support = Math.min(1.0, counted / (double) (UNRELATED_MAX_INLIERS + 1));
    double[] vector = {
      Math.log1p(counted),
      areaShare,
      Math.clamp(globalSimilarity, 0.0, 1.0),
      Math.log1p(Math.max(0, localVotes)),
      Math.max(0, inliers - UNRELATED_MAX_INLIERS) / INLIERS_PER_UNIT,
      areaShare * support,
      Math.clamp(referenceCoverage, 0.0, 1.0) * support,
      Math.clamp(inlierDensity, 0.0, 1.0) * support
    };
    assert vector.length == FEATURE_NAMES.size()
        : "a feature without a name, or a name without a feature";
    return vector;
  }
}
