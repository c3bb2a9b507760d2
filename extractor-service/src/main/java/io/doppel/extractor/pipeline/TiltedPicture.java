package io.doppel.extractor.pipeline;

import io.doppel.image.OpenCvRuntime;
import io.doppel.image.decode.BgrImage;
import io.doppel.schemas.avro.Box;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfInt;
import org.opencv.core.MatOfPoint;
import org.opencv.core.MatOfPoint2f;
import org.opencv.core.Point;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * A picture photographed at an angle (a monitor, a phone, a print on a desk): the largest convex quadrilateral outlined
 * by edges, and the picture seen straight on. A camera turns a rectangle into a quadrilateral, which no axis-aligned
 * crop frames: the view planner describes the rectified picture by its global descriptor, so that the copy shown on the
 * screen is compared with its original without the desk, the bezel or the perspective around it.
 *
 * <p>It works on a grey copy whose longer side is at most {@value #WORKING_SIDE} pixels (which also averages a screen's
 * pixel grid away): Canny edges, thickened by one pixel; the convex hull of every edge contour; a hull that a polygon of
 * four corners approximates ({@link #APPROXIMATIONS}) is a candidate. A candidate is kept when
 *
 * <ul>
 *   <li>it covers {@value #MIN_AREA_SHARE} to {@value #MAX_AREA_SHARE} of the image (beyond, FULL frames the same pixels);
 *   <li>every corner's angle lies within {@value #MAX_CORNER_SKEW}° of a right angle, and each side is at least {@value
 *       #MIN_SIDE_RATIO} of its opposite one: a rectangle in perspective, not an arbitrary shape;
 *   <li>some corner lies further than {@value #IMAGE_CORNER_DISTANCE} of the diagonal from the image's own (else it is
 *       the image, slightly trimmed);
 *   <li>some side turns at least {@value #MIN_TILT}° from the image's axes: an upright rectangle is a frame, which
 *       {@link RegionProposer} finds, or the image's own content;
 *   <li>edge pixels lie along {@value #MIN_SIDE_SUPPORT} of each side: the quadrilateral is outlined, not merely the
 *       hull of scattered detail (a tree, a crowd), which four corners also approximate.
 * </ul>
 *
 * Of those, the largest. Pure and deterministic. Cost: O(pixels) of the working copy for the edges and contours, and
 * O(pixels) of the picture for the warp, paid only where a picture is found. Guarded by {@code TiltedPictureTest}: a
 * picture drawn through a known perspective, or turned inside a white canvas, is found within a few pixels of its
 * corners and rectified; a photo, an upright framed picture and a picture that is nearly the whole image yield nothing.
 */
public final class TiltedPicture {

  static final int WORKING_SIDE = 480;
  static final double MIN_AREA_SHARE = 0.1;
  static final double MAX_AREA_SHARE = 0.92;
  static final double MAX_CORNER_SKEW = 40;
  static final double MIN_SIDE_RATIO = 0.55;
  /** A quadrilateral whose every corner lies this close to the image's own (a share of its diagonal) is the image. */
  static final double IMAGE_CORNER_DISTANCE = 0.05;
  /** Some side must turn at least this far (degrees) from the image's axes: an upright rectangle is a frame. */
  static final double MIN_TILT = 1.5;

  static final double MIN_SIDE_SUPPORT = 0.6;
  /** Polygon tolerances tried in turn, as shares of the hull's perimeter: a rounded or clipped corner needs more. */
  static final double[] APPROXIMATIONS = {0.02, 0.035, 0.05};
  /** Canny's hysteresis thresholds on the grey working copy. */
  static final double LOW_EDGE = 40;

  static final double HIGH_EDGE = 120;
  /** Points sampled along each side to measure its support, and how far from the side (working pixels) an edge counts. */
  static final int SIDE_SAMPLES = 64;

  static final int SUPPORT_RADIUS = 2;
  /** Half-width (working pixels) of the band around a side whose contour points its line is fitted to... */
  static final double SIDE_BAND = 4;
  /** ...leaving out this share of the side at either end, where a faint corner bends the contour. */
  static final double CORNER_SHARE = 0.15;

  static final int MIN_LINE_POINTS = 8;
  /** Share of each side of the rectified picture left out, see {@link #rectified}. */
  static final double EDGE_INSET = 0.015;

  private static final int CORNERS = 4;

  /**
   * The four corners of a found picture in image pixels, clockwise from the top left as it appears.
   *
   * @param xs x of the top-left, top-right, bottom-right and bottom-left corners
   * @param ys y of the same corners
   */
  public record Quad(double[] xs, double[] ys) {
    public Quad {
      if (xs.length != CORNERS || ys.length != CORNERS) {
        throw new IllegalArgumentException("a quad has four corners");
      }
      xs = xs.clone();
      ys = ys.clone();
    }

    @Override
    public double[] xs() {
      return xs.clone();
    }

    @Override
    public double[] ys() {
      return ys.clone();
    }

    /** The axis-aligned box around the corners, inside an image of {@code width} × {@code height}. */
    public Box bounds(int width, int height) {
      int x0 = (int) Math.max(0, Math.floor(Arrays.stream(xs).min().orElseThrow()));
      int y0 = (int) Math.max(0, Math.floor(Arrays.stream(ys).min().orElseThrow()));
      int x1 = (int) Math.min(width, Math.ceil(Arrays.stream(xs).max().orElseThrow()));
      int y1 = (int) Math.min(height, Math.ceil(Arrays.stream(ys).max().orElseThrow()));
      return new Box(x0, y0, x1 - x0, y1 - y0);
    }

    double side(int from) {
      int to = (from + 1) % CORNERS;
      return Math.hypot(xs[to] - xs[from], ys[to] - ys[from]);
    }
  }

  private TiltedPicture() {}

  /** The tilted picture in {@code image}, if one is outlined there. */
  public static Optional<Quad> find(BgrImage image) {
    OpenCvRuntime.ensureLoaded();
    double scale = Math.min(1.0, (double) WORKING_SIDE / Math.max(image.width(), image.height()));
    int w = Math.max(1, (int) Math.round(image.width() * scale));
    int h = Math.max(1, (int) Math.round(image.height() * scale));
    Mat colour = new Mat(image.height(), image.width(), CvType.CV_8UC3);
    Mat small = new Mat();
    Mat grey = new Mat();
    Mat edges = new Mat();
    Mat kernel = Imgproc.getStructuringElement(Imgproc.MORPH_RECT, new Size(3, 3));
    List<MatOfPoint> contours = new ArrayList<>();
    Mat hierarchy = new Mat();
    try {
      colour.put(0, 0, image.bgr());
      Imgproc.resize(colour, small, new Size(w, h), 0, 0, Imgproc.INTER_AREA);
      Imgproc.cvtColor(small, grey, Imgproc.COLOR_BGR2GRAY);
      Imgproc.Canny(grey, edges, LOW_EDGE, HIGH_EDGE);
      Imgproc.dilate(edges, edges, kernel);
      Imgproc.findContours(
          edges.clone(), contours, hierarchy, Imgproc.RETR_LIST, Imgproc.CHAIN_APPROX_NONE);
      byte[] edgePixels = new byte[w * h];
      edges.get(0, 0, edgePixels);
      return contours.stream()
          .map(contour -> quadOf(contour, w, h, edgePixels))
          .flatMap(Optional::stream)
          .max(Comparator.comparingDouble(TiltedPicture::area))
          .map(quad -> scaled(quad, 1.0 / scale));
    } finally {
      for (MatOfPoint contour : contours) {
        contour.release();
      }
      for (Mat mat : List.of(colour, small, grey, edges, kernel, hierarchy)) {
        mat.release();
      }
    }
  }

  /**
   * The picture inside {@code quad}, seen straight on: as wide as its horizontal sides on average and as tall as its
   * vertical ones. Without the camera's focal length the picture's true aspect is not known; the averages are within
   * about a tenth of it at the tilts a hand-held photo has, which the global descriptor tolerates as it does a stretch.
   * An inset of {@value #EDGE_INSET} of each side is left out: the corners trace the outer side of the outline's edge
   * pixels, so the warp's outermost lines hold the outline and what lies beyond it, which would hide a uniform border
   * inside (a print's margin, a screen's black bars) from the view planner.
   */
  public static BgrImage rectified(BgrImage image, Quad quad) {
    OpenCvRuntime.ensureLoaded();
    int width = Math.max(1, (int) Math.round((quad.side(0) + quad.side(2)) / 2));
    int height = Math.max(1, (int) Math.round((quad.side(1) + quad.side(3)) / 2));
    double[] xs = quad.xs();
    double[] ys = quad.ys();
    Mat colour = new Mat(image.height(), image.width(), CvType.CV_8UC3);
    Mat warped = new Mat();
    MatOfPoint2f from = new MatOfPoint2f(
        new Point(xs[0], ys[0]),
        new Point(xs[1], ys[1]),
        new Point(xs[2], ys[2]),
        new Point(xs[3], ys[3]));
    MatOfPoint2f to = new MatOfPoint2f(
        new Point(0, 0), new Point(width, 0), new Point(width, height), new Point(0, height));
    Mat homography = Imgproc.getPerspectiveTransform(from, to);
    try {
      colour.put(0, 0, image.bgr());
      Imgproc.warpPerspective(
          colour, warped, homography, new Size(width, height), Imgproc.INTER_LINEAR);
      byte[] bgr = new byte[width * height * BgrImage.CHANNELS];
      warped.get(0, 0, bgr);
      // a picture a few pixels across keeps them all
      int insetX = width > 4 ? (int) Math.ceil(EDGE_INSET * width) : 0;
      int insetY = height > 4 ? (int) Math.ceil(EDGE_INSET * height) : 0;
      return new BgrImage(width, height, bgr)
          .crop(insetX, insetY, width - 2 * insetX, height - 2 * insetY);
    } finally {
      for (Mat mat : List.of(colour, warped, from, to, homography)) {
        mat.release();
      }
    }
  }

  /** The kept quadrilateral that {@code contour}'s hull approximates, in working pixels, if any. */
  private static Optional<Quad> quadOf(MatOfPoint contour, int w, int h, byte[] edgePixels) {
    if (contour.rows() < CORNERS) {
      return Optional.empty();
    }
    MatOfInt hullIndices = new MatOfInt();
    MatOfPoint2f hull = new MatOfPoint2f();
    MatOfPoint2f polygon = new MatOfPoint2f();
    try {
      Imgproc.convexHull(contour, hullIndices);
      Point[] points = contour.toArray();
      hull.fromArray(
          Arrays.stream(hullIndices.toArray()).mapToObj(i -> points[i]).toArray(Point[]::new));
      double imageArea = (double) w * h;
      if (Imgproc.contourArea(hull) < MIN_AREA_SHARE * imageArea) {
        return Optional.empty();
      }
      double perimeter = Imgproc.arcLength(hull, true);
      for (double tolerance : APPROXIMATIONS) {
        Imgproc.approxPolyDP(hull, polygon, tolerance * perimeter, true);
        if (polygon.rows() == CORNERS) {
          Quad quad = refined(ordered(polygon.toArray()), points);
          double share = area(quad) / imageArea;
          boolean kept = share >= MIN_AREA_SHARE
              && share <= MAX_AREA_SHARE
              && rectangleInPerspective(quad)
              && tilted(quad)
              && !nearlyTheImage(quad, w, h)
              && outlined(quad, w, h, edgePixels);
          return kept ? Optional.of(quad) : Optional.empty();
        }
        if (polygon.rows() < CORNERS) {
          return Optional.empty();
        }
      }
      return Optional.empty();
    } finally {
      hullIndices.release();
      hull.release();
      polygon.release();
    }
  }

  /**
   * {@code quad} with each corner moved to where the lines fitted to its two sides meet. The polygon's corners are points
   * of the hull, which cuts a corner wherever the picture's corner is faint; the sides' middles are where the outline is
   * reliable. Each side's line is fitted to the contour points within {@value #SIDE_BAND} working pixels of it, leaving
   * out the {@value #CORNER_SHARE} of it nearest either corner. A side with too few such points keeps the polygon's.
   */
  static Quad refined(Quad quad, Point[] contour) {
    double[][] lines = new double[CORNERS][];
    for (int side = 0; side < CORNERS; side++) {
      int next = (side + 1) % CORNERS;
      double x0 = quad.xs[side];
      double y0 = quad.ys[side];
      double dx = quad.xs[next] - x0;
      double dy = quad.ys[next] - y0;
      double length = Math.hypot(dx, dy);
      List<Point> near = new ArrayList<>();
      for (Point p : contour) {
        double along = ((p.x - x0) * dx + (p.y - y0) * dy) / (length * length);
        double across = Math.abs((p.x - x0) * dy - (p.y - y0) * dx) / length;
        if (along > CORNER_SHARE && along < 1 - CORNER_SHARE && across <= SIDE_BAND) {
          near.add(p);
        }
      }
      if (near.size() < MIN_LINE_POINTS) {
        lines[side] = new double[] {dx / length, dy / length, x0, y0};
        continue;
      }
      MatOfPoint2f points = new MatOfPoint2f(near.toArray(Point[]::new));
      Mat line = new Mat();
      try {
        Imgproc.fitLine(points, line, Imgproc.DIST_HUBER, 0, 0.01, 0.01);
        float[] fitted = new float[4];
        line.get(0, 0, fitted);
        lines[side] = new double[] {fitted[0], fitted[1], fitted[2], fitted[3]};
      } finally {
        points.release();
        line.release();
      }
    }
    double[] xs = new double[CORNERS];
    double[] ys = new double[CORNERS];
    for (int corner = 0; corner < CORNERS; corner++) {
      double[] a = lines[(corner + CORNERS - 1) % CORNERS];
      double[] b = lines[corner];
      // a.point + s * a.direction = b.point + t * b.direction
      double determinant = a[0] * b[1] - a[1] * b[0];
      if (Math.abs(determinant) < 1e-6) {
        return quad;
      }
      double s = ((b[2] - a[2]) * b[1] - (b[3] - a[3]) * b[0]) / determinant;
      xs[corner] = a[2] + s * a[0];
      ys[corner] = a[3] + s * a[1];
    }
    return new Quad(xs, ys);
  }

  /** The corners clockwise from the top left: smallest x + y first, then by angle around the centre. */
  static Quad ordered(Point[] corners) {
    double cx = Arrays.stream(corners).mapToDouble(p -> p.x).average().orElseThrow();
    double cy = Arrays.stream(corners).mapToDouble(p -> p.y).average().orElseThrow();
    Point[] clockwise = corners.clone();
    // image y grows downwards, so increasing atan2 runs clockwise on screen
    Arrays.sort(clockwise, Comparator.comparingDouble(p -> Math.atan2(p.y - cy, p.x - cx)));
    int first = 0;
    for (int i = 1; i < CORNERS; i++) {
      if (clockwise[i].x + clockwise[i].y < clockwise[first].x + clockwise[first].y) {
        first = i;
      }
    }
    double[] xs = new double[CORNERS];
    double[] ys = new double[CORNERS];
    for (int i = 0; i < CORNERS; i++) {
      xs[i] = clockwise[(first + i) % CORNERS].x;
      ys[i] = clockwise[(first + i) % CORNERS].y;
    }
    return new Quad(xs, ys);
  }

  private static boolean rectangleInPerspective(Quad quad) {
    double[] xs = quad.xs;
    double[] ys = quad.ys;
    for (int i = 0; i < CORNERS; i++) {
      int previous = (i + CORNERS - 1) % CORNERS;
      int next = (i + 1) % CORNERS;
      double ax = xs[previous] - xs[i];
      double ay = ys[previous] - ys[i];
      double bx = xs[next] - xs[i];
      double by = ys[next] - ys[i];
      double angle = Math.toDegrees(Math.acos(
          Math.clamp((ax * bx + ay * by) / (Math.hypot(ax, ay) * Math.hypot(bx, by)), -1.0, 1.0)));
      if (Math.abs(angle - 90) > MAX_CORNER_SKEW) {
        return false;
      }
    }
    for (int side = 0; side < 2; side++) {
      double a = quad.side(side);
      double b = quad.side(side + 2);
      if (Math.min(a, b) < MIN_SIDE_RATIO * Math.max(a, b)) {
        return false;
      }
    }
    return true;
  }

  private static boolean nearlyTheImage(Quad quad, int w, int h) {
    double[] cornerXs = {0, w, w, 0};
    double[] cornerYs = {0, 0, h, h};
    double tolerance = IMAGE_CORNER_DISTANCE * Math.hypot(w, h);
    for (int i = 0; i < CORNERS; i++) {
      if (Math.hypot(quad.xs[i] - cornerXs[i], quad.ys[i] - cornerYs[i]) > tolerance) {
        return false;
      }
    }
    return true;
  }

  /** Whether some side turns at least {@value #MIN_TILT}° from the nearest image axis. */
  private static boolean tilted(Quad quad) {
    for (int side = 0; side < CORNERS; side++) {
      int next = (side + 1) % CORNERS;
      double degrees = Math.toDegrees(Math.atan2(
          Math.abs(quad.ys[next] - quad.ys[side]), Math.abs(quad.xs[next] - quad.xs[side])));
      if (Math.min(degrees, 90 - degrees) >= MIN_TILT) {
        return true;
      }
    }
    return false;
  }

  /** Whether edge pixels lie within {@value #SUPPORT_RADIUS} working pixels of each side along enough of it. */
  private static boolean outlined(Quad quad, int w, int h, byte[] edgePixels) {
    for (int side = 0; side < CORNERS; side++) {
      int next = (side + 1) % CORNERS;
      int supported = 0;
      for (int s = 0; s < SIDE_SAMPLES; s++) {
        double t = (s + 0.5) / SIDE_SAMPLES;
        int x = (int) Math.round(quad.xs[side] + t * (quad.xs[next] - quad.xs[side]));
        int y = (int) Math.round(quad.ys[side] + t * (quad.ys[next] - quad.ys[side]));
        if (edgeNear(x, y, w, h, edgePixels)) {
          supported++;
        }
      }
      if (supported < MIN_SIDE_SUPPORT * SIDE_SAMPLES) {
        return false;
      }
    }
    return true;
  }

  private static boolean edgeNear(int x, int y, int w, int h, byte[] edgePixels) {
    for (int dy = -SUPPORT_RADIUS; dy <= SUPPORT_RADIUS; dy++) {
      for (int dx = -SUPPORT_RADIUS; dx <= SUPPORT_RADIUS; dx++) {
        int px = x + dx;
        int py = y + dy;
        if (px >= 0 && py >= 0 && px < w && py < h && edgePixels[py * w + px] != 0) {
          return true;
        }
      }
    }
    return false;
  }

  /** The shoelace area of the quadrilateral. */
  static double area(Quad quad) {
    double twice = 0;
    for (int i = 0; i < CORNERS; i++) {
      int next = (i + 1) % CORNERS;
      twice += quad.xs[i] * quad.ys[next] - quad.xs[next] * quad.ys[i];
    }
    return Math.abs(twice) / 2;
  }

  private static Quad scaled(Quad quad, double factor) {
    double[] xs = quad.xs();
    double[] ys = quad.ys();
    for (int i = 0; i < CORNERS; i++) {
      xs[i] *= factor;
      ys[i] *= factor;
    }
    return new Quad(xs, ys);
  }
}
