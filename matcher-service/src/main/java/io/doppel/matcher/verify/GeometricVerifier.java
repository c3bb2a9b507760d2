package io.doppel.matcher.verify;

import io.doppel.image.OpenCvRuntime;
import io.doppel.matcher.index.StoredKeypoints;
import java.util.ArrayList;
import java.util.List;
import org.opencv.calib3d.Calib3d;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint2f;
import org.opencv.core.Point;

/**
 * Geometric verification of a query view against a candidate's stored keypoints: Hamming
 * brute-force kNN matching with Lowe's ratio test and one match per candidate keypoint, then a
 * RANSAC homography (or a 4-DOF similarity when matches are few or the homography is implausible),
 * rejecting degenerate models. Pure apart from native OpenCV calls; thread-safe (no shared state).
 */
public final class GeometricVerifier {

  private static final int KNN = 2;
  private static final int HOMOGRAPHY_ROWS = 3;

  private final VerifierSettings settings;

  public GeometricVerifier(VerifierSettings settings) {
    this.settings = settings;
    OpenCvRuntime.ensureLoaded();
  }

  /**
   * Verifies {@code query} against a candidate image of {@code candidateWidth} x {@code candidateHeight}
   * pixels whose keypoints are {@code candidate}.
   */
  public Verification verify(
      QueryView query, StoredKeypoints candidate, int candidateWidth, int candidateHeight) {
    StoredKeypoints own = query.keypoints();
    if (own.size() < settings.similarityMinMatches()
        || candidate.size() < settings.similarityMinMatches()
        || candidateWidth <= 0
        || candidateHeight <= 0) {
      return Verification.unverified(query.reportedKind(), 0);
    }
    if (own.descriptorBytes() != candidate.descriptorBytes()) {
      throw new IllegalArgumentException("descriptor sizes differ: query " + own.descriptorBytes()
          + " bytes, candidate " + candidate.descriptorBytes() + " bytes");
    }
    List<int[]> matches = tentativeMatches(own, candidate);
    if (matches.size() < settings.similarityMinMatches()) {
      return Verification.unverified(query.reportedKind(), matches.size());
    }
    Point[] queryPoints = new Point[matches.size()];
    Point[] candidatePoints = new Point[matches.size()];
    for (int i = 0; i < matches.size(); i++) {
      int q = matches.get(i)[0];
      int c = matches.get(i)[1];
      queryPoints[i] = new Point(own.xs()[q], own.ys()[q]);
      candidatePoints[i] = new Point(candidate.xs()[c], candidate.ys()[c]);
    }
    double threshold = Math.max(
        settings.minReprojectionPixels(),
        settings.reprojectionShare() * Math.max(candidateWidth, candidateHeight));
    Model model = null;
    if (matches.size() >= settings.homographyMinMatches()) {
      model = homography(queryPoints, candidatePoints, threshold, query);
    }
    if (model == null) {
      model = similarity(queryPoints, candidatePoints, threshold);
    }
    if (model == null) {
      return Verification.unverified(query.reportedKind(), matches.size());
    }
    return describe(
        query,
        model,
        queryPoints,
        candidatePoints,
        candidate,
        candidateWidth,
        candidateHeight,
        matches.size());
  }

  /**
   * Ratio-test matches as (query index, candidate index), at most one per candidate keypoint (the closest). The two
   * nearest candidate descriptors of every query descriptor come from one {@code Core.batchDistance} call: {@code
   * BFMatcher.knnMatch} answers through a Java list of one {@code MatOfDMatch} per query descriptor, whose allocation
   * and finalization would be a large share of the matcher's CPU.
   */
  private List<int[]> tentativeMatches(StoredKeypoints query, StoredKeypoints candidate) {
    Mat queryDescriptors = descriptorMat(query);
    Mat candidateDescriptors = descriptorMat(candidate);
    Mat distances = new Mat();
    Mat nearest = new Mat();
    Mat noMask = new Mat();
    try {
      Core.batchDistance(
          queryDescriptors,
          candidateDescriptors,
          distances,
          CvType.CV_32S,
          nearest,
          Core.NORM_HAMMING,
          KNN,
          noMask,
          0,
          false);
      int[] distance = new int[query.size() * KNN];
      int[] index = new int[query.size() * KNN];
      distances.get(0, 0, distance);
      nearest.get(0, 0, index);
      int[] bestDistanceByCandidate = new int[candidate.size()];
      int[] bestQueryByCandidate = new int[candidate.size()];
      java.util.Arrays.fill(bestQueryByCandidate, -1);
      for (int q = 0; q < query.size(); q++) {
        int first = q * KNN;
        int c = index[first];
        if (c < 0
            || index[first + 1] < 0
            || distance[first] >= settings.ratio() * distance[first + 1]) {
          continue;
        }
        if (bestQueryByCandidate[c] < 0 || distance[first] < bestDistanceByCandidate[c]) {
          bestQueryByCandidate[c] = q;
          bestDistanceByCandidate[c] = distance[first];
        }
      }
      List<int[]> kept = new ArrayList<>();
      for (int c = 0; c < bestQueryByCandidate.length; c++) {
        if (bestQueryByCandidate[c] >= 0) {
          kept.add(new int[] {bestQueryByCandidate[c], c});
        }
      }
      return kept;
    } finally {
      queryDescriptors.release();
      candidateDescriptors.release();
      distances.release();
      nearest.release();
      noMask.release();
    }
  }

  private static Mat descriptorMat(StoredKeypoints keypoints) {
    Mat mat = new Mat(keypoints.size(), keypoints.descriptorBytes(), CvType.CV_8UC1);
    mat.put(0, 0, keypoints.descriptors());
    return mat;
  }

  /** A 3x3 model mapping query view pixels to candidate pixels, with its inlier mask. */
  private record Model(double[] h, boolean[] inlier, int inliers) {
    Model {
      assert h.length == HOMOGRAPHY_ROWS * HOMOGRAPHY_ROWS && h[8] != 0
          : "a 3x3 model with h22 != 0";
      assert inliers > 0 && inliers <= inlier.length : inliers + " inliers of " + inlier.length;
    }
  }

  private Model homography(
      Point[] queryPoints, Point[] candidatePoints, double threshold, QueryView query) {
    MatOfPoint2f from = new MatOfPoint2f(queryPoints);
    MatOfPoint2f to = new MatOfPoint2f(candidatePoints);
    Mat mask = new Mat();
    Mat h = Calib3d.findHomography(
        from,
        to,
        Calib3d.RANSAC,
        threshold,
        mask,
        settings.ransacIterations(),
        settings.ransacConfidence());
    try {
      if (h.empty()) {
        return null;
      }
      assert h.rows() == HOMOGRAPHY_ROWS && h.cols() == HOMOGRAPHY_ROWS
          : "findHomography answered " + h.size();
      double[] values = new double[HOMOGRAPHY_ROWS * HOMOGRAPHY_ROWS];
      h.get(0, 0, values);
      if (!plausible(values, query.width(), query.height())) {
        return null;
      }
      return withMask(values, mask, queryPoints.length);
    } finally {
      from.release();
      to.release();
      mask.release();
      h.release();
    }
  }

  private Model similarity(Point[] queryPoints, Point[] candidatePoints, double threshold) {
    MatOfPoint2f from = new MatOfPoint2f(queryPoints);
    MatOfPoint2f to = new MatOfPoint2f(candidatePoints);
    Mat mask = new Mat();
    Mat affine = Calib3d.estimateAffinePartial2D(
        from,
        to,
        mask,
        Calib3d.RANSAC,
        threshold,
        settings.ransacIterations(),
        settings.ransacConfidence());
    try {
      if (affine.empty()) {
        return null;
      }
      double[] top = new double[6];
      affine.get(0, 0, top);
      double[] values = {top[0], top[1], top[2], top[3], top[4], top[5], 0, 0, 1};
      if (!plausible(values, 1, 1)) {
        return null;
      }
      return withMask(values, mask, queryPoints.length);
    } finally {
      from.release();
      to.release();
      mask.release();
      affine.release();
    }
  }

  private static Model withMask(double[] values, Mat mask, int count) {
    boolean[] inlier = new boolean[count];
    byte[] flags = new byte[count];
    mask.get(0, 0, flags);
    int inliers = 0;
    for (int i = 0; i < count; i++) {
      inlier[i] = flags[i] != 0;
      inliers += inlier[i] ? 1 : 0;
    }
    return inliers == 0 ? null : new Model(values, inlier, inliers);
  }

  /**
   * Rejects models no copy produces: reflections (mirrors are verified through the MIRROR view),
   * extreme scale or aspect change, and strong perspective.
   */
  private boolean plausible(double[] h, int viewWidth, int viewHeight) {
    double a = h[0];
    double b = h[1];
    double c = h[3];
    double d = h[4];
    double determinant = a * d - b * c;
    if (!(determinant > 0) || !Double.isFinite(determinant)) {
      return false;
    }
    double scale = Math.sqrt(determinant);
    if (scale > settings.maxScale() || scale < 1 / settings.maxScale()) {
      return false;
    }
    double axisX = Math.hypot(a, c);
    double axisY = Math.hypot(b, d);
    double anisotropy = Math.max(axisX, axisY) / Math.min(axisX, axisY);
    if (anisotropy > settings.maxAnisotropy()) {
      return false;
    }
    double perspective = Math.abs(h[6]) * viewWidth + Math.abs(h[7]) * viewHeight;
    return perspective <= settings.maxPerspective();
  }

  private Verification describe(
      QueryView query,
      Model model,
      Point[] queryPoints,
      Point[] candidatePoints,
      StoredKeypoints candidate,
      int candidateWidth,
      int candidateHeight,
      int tentative) {
    double[] h = model.h();
    double[] inverse = invert(h);
    double w = candidateWidth;
    double ht = candidateHeight;
    List<RegionPoint> queryRegion = new ArrayList<>();
    for (double[] corner : new double[][] {{0, 0}, {w, 0}, {w, ht}, {0, ht}}) {
      double[] p = project(inverse, corner[0], corner[1]);
      queryRegion.add(clamp(query.toImage(p[0], p[1])));
    }
    List<RegionPoint> candidateRegion = new ArrayList<>();
    double vw = query.width();
    double vh = query.height();
    for (double[] corner : new double[][] {{0, 0}, {vw, 0}, {vw, vh}, {0, vh}}) {
      double[] p = project(h, corner[0], corner[1]);
      candidateRegion.add(clamp(new RegionPoint(p[0] / w, p[1] / ht)));
    }
    ConvexHull queryHull = inlierHull(queryPoints, model.inlier());
    ConvexHull candidateHull = inlierHull(candidatePoints, model.inlier());
    double candidatePerQuery = Math.sqrt(h[0] * h[4] - h[1] * h[3]);
    // query-to-candidate turns by the opposite of the copy's rotation; with y pointing down that
    // makes atan2(h10, h00) the copy's counter-clockwise (as displayed) rotation
    double rotation = Math.toDegrees(Math.atan2(h[3], h[0]));
    return new Verification(
        query.reportedKind(),
        tentative,
        model.inliers(),
        Math.min(1, queryHull.area() / (vw * vh)),
        Math.min(1, candidateHull.area() / (w * ht)),
        queryRegion,
        candidateRegion,
        rotation,
        1 / candidatePerQuery,
        Verification.Coverage.of(queryHull, query.keypoints(), model.inliers()),
        Verification.Coverage.of(candidateHull, candidate, model.inliers()));
  }

  private static ConvexHull inlierHull(Point[] points, boolean[] inlier) {
    int count = 0;
    for (boolean in : inlier) {
      count += in ? 1 : 0;
    }
    double[] xs = new double[count];
    double[] ys = new double[count];
    int k = 0;
    for (int i = 0; i < points.length; i++) {
      if (inlier[i]) {
        xs[k] = points[i].x;
        ys[k++] = points[i].y;
      }
    }
    return ConvexHull.of(xs, ys);
  }

  private static RegionPoint clamp(RegionPoint p) {
    return new RegionPoint(Math.clamp(p.x(), 0.0, 1.0), Math.clamp(p.y(), 0.0, 1.0));
  }

  private static double[] project(double[] h, double x, double y) {
    double z = h[6] * x + h[7] * y + h[8];
    return new double[] {(h[0] * x + h[1] * y + h[2]) / z, (h[3] * x + h[4] * y + h[5]) / z};
  }

  private static double[] invert(double[] m) {
    double a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], f = m[5], g = m[6], h = m[7], i = m[8];
    double A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
    double det = a * A + b * B + c * C;
    return new double[] {
      A / det, -(b * i - c * h) / det, (b * f - c * e) / det,
      B / det, (a * i - c * g) / det, -(a * f - c * d) / det,
      C / det, -(a * h - b * g) / det, (a * e - b * d) / det
    };
  }
}
