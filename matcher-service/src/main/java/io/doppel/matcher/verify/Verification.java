package io.doppel.matcher.verify;

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
    double scale) {

  public Verification {
    queryRegion = List.copyOf(queryRegion);
    candidateRegion = List.copyOf(candidateRegion);
  }

  public static Verification unverified(ViewKind view, int tentativeMatches) {
    return new Verification(view, tentativeMatches, 0, 0, 0, List.of(), List.of(), 0, 1);
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
    return new Verification(view, tentativeMatches, inliers, candidateAreaShare, queryAreaShare,
        candidateRegion, queryRegion, -rotationDegrees, 1 / scale);
  }

  /** Better evidence first: more inliers, then larger inlier area. */
  public boolean betterThan(Verification other) {
    if (inliers != other.inliers) {
      return inliers > other.inliers;
    }
    return queryAreaShare > other.queryAreaShare;
  }
}
