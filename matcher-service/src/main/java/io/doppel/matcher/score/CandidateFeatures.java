package io.doppel.matcher.score;

/**
 * The evidence about one (query, candidate) pair that the fused score weighs.
 *
 * @param globalSimilarity best global-descriptor similarity over the query's views (FULL, MIRROR, TILE)
 * @param localVotes query keypoint descriptors with a near neighbour in the candidate
 * @param inliers geometric-verification inliers
 * @param inlierAreaShare share of the query view spanned by the inliers' convex hull
 */
public record CandidateFeatures(double globalSimilarity, int localVotes, int inliers, double inlierAreaShare) {

  /** Names of the raw columns in a calibration CSV, and of the features a calibration file weighs. */
  public static final String GLOBAL_SIMILARITY = "global_similarity";
  public static final String LOCAL_VOTES = "local_votes";
  public static final String INLIERS = "inliers";
  public static final String INLIER_AREA_SHARE = "inlier_area_share";

  /**
   * Inliers that unrelated pairs do not reach: on DEV, ORB+RANSAC finds at most this many between unrelated images
   * (issue 5's measurement), so each inlier beyond it is evidence that log(1+n) alone weighs too little.
   */
  public static final int UNRELATED_MAX_INLIERS = 11;
  /** Inliers per unit of the {@code inliers_beyond_unrelated} feature, keeping it on the others' scale. */
  public static final double INLIERS_PER_UNIT = 10.0;

  /** Calibration feature names, in the order {@link #vector()} returns them; a calibration weighs some or all. */
  public static final java.util.List<String> FEATURE_NAMES = java.util.List.of("log1p_inliers", INLIER_AREA_SHARE,
      GLOBAL_SIMILARITY, "log1p_local_votes", "inliers_beyond_unrelated", "supported_area_share");

  /**
   * The model's input: counts enter as log(1+n) because the tenth inlier says much more than the
   * hundredth; similarity is clamped to [0,1] since negative cosine says "unrelated" no louder than 0. Inliers also
   * enter linearly beyond what unrelated pairs reach: fifty inliers prove a copy whatever the global similarity.
   * The inliers' area share counts in full only once the inliers outnumber what unrelated pairs reach: four chance
   * inliers can span a third of a view, and that says little.
   */
  public double[] vector() {
    int counted = Math.max(0, inliers);
    double areaShare = Math.clamp(inlierAreaShare, 0.0, 1.0);
    return new double[] {
      Math.log1p(counted),
      areaShare,
      Math.clamp(globalSimilarity, 0.0, 1.0),
      Math.log1p(Math.max(0, localVotes)),
      Math.max(0, inliers - UNRELATED_MAX_INLIERS) / INLIERS_PER_UNIT,
      areaShare * Math.min(1.0, counted / (double) (UNRELATED_MAX_INLIERS + 1))
    };
  }
}
