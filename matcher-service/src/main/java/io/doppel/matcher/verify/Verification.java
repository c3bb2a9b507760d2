package io.doppel.matcher.verify;

import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.schemas.avro.ViewKind;
import java.util.List;

/**
 * The outcome of geometric verification of one query view against one candidate.
 *
 * @param view the query view that verified best
 * @param tentativeMatches descriptor matches that passed the ratio test
 * @param inliers matches consistent with the accepted model (0 if no model was accepted)
 * @param queryAreaShare area of the query inliers' convex hull over the view area
 * @param candidateAreaShare area of the candidate inliers' convex hull over the candidate area
 * @param queryRegion the candidate's frame seen in the query, normalised to the original query image; empty if unverified
 * @param candidateRegion the query view's frame seen in the candidate, normalised; empty if unverified
 * @param rotationDegrees rotation of the query relative to the candidate, degrees counter-clockwise as displayed
 * @param scale size of the query relative to the candidate (0.5: the copy is half as large)
 * @param queryCoverage how the inliers cover the query view's keypoints
 * @param candidateCoverage how the inliers cover the candidate's keypoints
 */
public record Verification(
    ViewKind view,
    int tentativeMatches,
    int inliers,
    double queryAreaShare,
    double candidateAreaShare,
    List<RegionPoint> queryRegion,
    List<RegionPoint> candidateRegion,
    double rotationDegrees,
    double scale,
    Coverage queryCoverage,
    Coverage candidateCoverage) {

  /**
   * How the inliers cover one side's keypoints: {@code share}, the share of its keypoints inside the inliers' convex
   * hull (how much of what can be matched is accounted for: a copy shows most of its original, a look-alike agrees on
   * a small part); {@code density}, inliers over the keypoints inside that hull (within the matched part, how much
   * agrees). Both in [0,1], 0 when unverified. Normalising by keypoints, not pixels, makes an object photographed on a
   * plain background, whose keypoints all lie on the object, as well covered as a photo full of texture.
   */
  public record Coverage(double share, double density) {

    public Coverage {
      assert share >= 0 && share <= 1 && density >= 0 && density <= 1
          : "coverage in [0,1]: " + share + ", " + density;
    }

    public static final Coverage NONE = new Coverage(0, 0);

    static Coverage of(ConvexHull hull, StoredKeypoints keypoints, int inliers) {
      int inside = hull.countInside(keypoints.xs(), keypoints.ys());
      if (inside == 0 || keypoints.size() == 0) {
        return NONE;
      }
      return new Coverage(
          (double) inside / keypoints.size(), Math.min(1.0, (double) inliers / inside));
    }
  }

  public Verification {
    queryRegion = List.copyOf(queryRegion);
    candidateRegion = List.copyOf(candidateRegion);
    assert normalised(queryRegion) && normalised(candidateRegion)
        : "regions in [0,1]: " + queryRegion + candidateRegion;
    assert queryAreaShare >= 0
            && queryAreaShare <= 1
            && candidateAreaShare >= 0
            && candidateAreaShare <= 1
        : "area shares in [0,1]: " + queryAreaShare + ", " + candidateAreaShare;
  }

  private static boolean normalised(List<RegionPoint> region) {
    return region.stream().allMatch(p -> p.x() >= 0 && p.x() <= 1 && p.y() >= 0 && p.y() <= 1);
  }

  public static Verification unverified(ViewKind view, int tentativeMatches) {
    return new Verification(
        view, tentativeMatches, 0, 0, 0, List.of(), List.of(), 0, 1, Coverage.NONE, Coverage.NONE);
  }

  public boolean verified() {
    return inliers > 0;
  }

  public boolean mirrored() {
    return view == ViewKind.MIRROR;
  }

  /** Verified through a sub-picture of the query: a strip's tile or a region. */
  public boolean inTile() {
    return view == ViewKind.TILE || view == ViewKind.REGION;
  }

  /** Share of the candidate not visible in the query (0 when unverified: nothing is known). */
  public double candidateCroppedShare() {
    return verified() ? Math.clamp(1 - RegionPoint.area(candidateRegion), 0.0, 1.0) : 0;
  }

  /**
   * The same result seen from the candidate's side: used by retro-scan, where a reference is the
   * query and an earlier upload the candidate, but the report is about the upload.
   */
  public Verification reversed() {
    if (!verified()) {
      return this;
    }
    return new Verification(
        view,
        tentativeMatches,
        inliers,
        candidateAreaShare,
        queryAreaShare,
        candidateRegion,
        queryRegion,
        -rotationDegrees,
        1 / scale,
        candidateCoverage,
        queryCoverage);
  }

  /** Better evidence first: more inliers, then larger inlier area. */
  public boolean betterThan(Verification other) {
    if (inliers != other.inliers) {
      return inliers > other.inliers;
    }
    return queryAreaShare > other.queryAreaShare;
  }
}
