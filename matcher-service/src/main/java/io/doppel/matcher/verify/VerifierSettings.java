package io.doppel.matcher.verify;

/**
 * Tuning of geometric verification.
 *
 * @param ratio Lowe's ratio test: keep a match whose best distance is below {@code ratio} times the second best
 * @param homographyMinMatches fewest tentative matches for which an 8-DOF homography is tried first
 * @param similarityMinMatches fewest tentative matches for the 4-DOF similarity fallback
 * @param reprojectionShare RANSAC inlier threshold as a share of the reference's longer side
 * @param minReprojectionPixels floor of the RANSAC inlier threshold
 * @param maxScale largest accepted scale between query and reference (either way)
 * @param maxAnisotropy largest accepted ratio between the model's two axis scales (aspect changes)
 * @param maxPerspective largest accepted change of the projective denominator across the view
 * @param ransacIterations RANSAC iteration cap
 * @param ransacConfidence RANSAC confidence
 */
public record VerifierSettings(
    double ratio,
    int homographyMinMatches,
    int similarityMinMatches,
    double reprojectionShare,
    double minReprojectionPixels,
    double maxScale,
    double maxAnisotropy,
    double maxPerspective,
    int ransacIterations,
    double ransacConfidence) {

  public static final VerifierSettings DEFAULTS =
      new VerifierSettings(0.8, 8, 3, 0.01, 3.0, 8.0, 3.0, 0.35, 2000, 0.995);

  public VerifierSettings {
    require(ratio > 0 && ratio < 1, "ratio must be in (0,1), got " + ratio);
    require(
        homographyMinMatches >= 4,
        "homographyMinMatches must be >= 4, got " + homographyMinMatches);
    require(
        similarityMinMatches >= 2,
        "similarityMinMatches must be >= 2, got " + similarityMinMatches);
    require(
        reprojectionShare > 0 && reprojectionShare < 0.5,
        "reprojectionShare must be in (0,0.5), got " + reprojectionShare);
    require(
        minReprojectionPixels > 0,
        "minReprojectionPixels must be > 0, got " + minReprojectionPixels);
    require(maxScale > 1, "maxScale must be > 1, got " + maxScale);
    require(maxAnisotropy >= 1, "maxAnisotropy must be >= 1, got " + maxAnisotropy);
    require(
        maxPerspective > 0 && maxPerspective < 1,
        "maxPerspective must be in (0,1), got " + maxPerspective);
    require(ransacIterations > 0, "ransacIterations must be > 0, got " + ransacIterations);
    require(
        ransacConfidence > 0 && ransacConfidence < 1,
        "ransacConfidence must be in (0,1), got " + ransacConfidence);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
