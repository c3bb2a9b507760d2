package io.doppel.extractor.local;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.image.OpenCvRuntime;
import io.doppel.image.decode.BgrImage;
import io.doppel.schemas.avro.Box;
import io.doppel.schemas.avro.Keypoint;
import java.util.ArrayList;
import java.util.List;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.KeyPoint;
import org.opencv.core.Mat;
import org.opencv.core.MatOfKeyPoint;
import org.opencv.core.Size;
import org.opencv.features2d.ORB;
import org.opencv.imgproc.Imgproc;

/**
 * ORB keypoints with 256-bit descriptors, computed on a copy shrunk so its longer side is at most
 * the working size, none along the edges of uniform borders, spread over the view by {@link GridSelector}, with
 * positions and sizes mapped back to the view's own pixels. Thread-safe (a detector per call; they are cheap).
 */
public final class OrbLocalFeatures {

  public static final String NAME = "orb-256";
  public static final int DESCRIPTOR_BYTES = 32;
  /** Detect more than needed so the grid has strong candidates in every cell. */
  private static final int CANDIDATES_PER_KEPT = 3;
  /**
   * With text demoted, more: ORB keeps its strongest candidates, and a caption's glyph corners outscore a photo's, so
   * three per kept keypoint can all lie on the text
   * (OrbLocalFeaturesTest#keypointsOnACaptionGiveWayToThoseOnThePhotoBesideIt).
   */
  private static final int CANDIDATES_PER_KEPT_TEXT_DEMOTED = 6;

  private static final float PYRAMID_SCALE = 1.2f;
  private static final int PYRAMID_LEVELS = 8;
  private static final int EDGE_THRESHOLD = 31;
  private static final int PATCH_SIZE = 31;
  private static final int FAST_THRESHOLD = 12;
  private static final int WTA_K = 2;
  /** {@code Core.flip} code for a reflection about the vertical axis. */
  private static final int HORIZONTAL = 1;

  private static final float HALF_TURN_DEGREES = 180f;
  private static final float FULL_TURN_DEGREES = 360f;

  private final int workingSize;
  private final double maxUpscale;
  private final int gridCells;
  private final double borderMargin;
  private final boolean demoteText;

  public OrbLocalFeatures(ExtractorConfig.Local config) {
    OpenCvRuntime.ensureLoaded();
    this.workingSize = config.workingSize();
    this.maxUpscale = config.maxUpscale();
    this.gridCells = config.gridCells();
    this.borderMargin = config.borderMargin();
    this.demoteText = config.demoteText();
  }

  /** The features of a view and of its mirror image, the mirror's from the view's detections. */
  public record WithMirror(LocalFeatures view, LocalFeatures mirror) {}

  /** The features of a view with no uniform border: see {@link #describe(BgrImage, Box, int)}. */
  public LocalFeatures describe(BgrImage view, int maxKeypoints) {
    return describe(view, wholeOf(view), maxKeypoints);
  }

  /**
   * The features of a view whose content inside uniform borders is {@code content} (view pixels): keypoints along the
   * edges where the content meets a border are dropped (see {@link #awayFromBorders}).
   */
  public LocalFeatures describe(BgrImage view, Box content, int maxKeypoints) {
    return describe(view, content, maxKeypoints, false).view();
  }

  /**
   * Like {@link #describe} for the view and for its horizontal mirror image, detecting once: the mirror's keypoints are
   * the view's reflected (see {@link #reflectedX}; {@code angle' = 180° - angle}: FAST, the Harris score and ORB's
   * intensity-centroid orientation all reflect with the image) and described on the reflected pixels. Detection is most
   * of ORB's cost. Which candidates the grid keeps can differ from a fresh detection on the mirror image where scores
   * tie; the keypoints both keep get the same descriptors.
   */
  public WithMirror describeWithMirror(BgrImage view, Box content, int maxKeypoints) {
    return describe(view, content, maxKeypoints, true);
  }

  /** {@link #describeWithMirror(BgrImage, Box, int)} of a view with no uniform border. */
  public WithMirror describeWithMirror(BgrImage view, int maxKeypoints) {
    return describeWithMirror(view, wholeOf(view), maxKeypoints);
  }

  private static Box wholeOf(BgrImage view) {
    return new Box(0, 0, view.width(), view.height());
  }

  private WithMirror describe(BgrImage view, Box content, int maxKeypoints, boolean withMirror) {
    LocalFeatures none = LocalFeatures.none(DESCRIPTOR_BYTES);
    WithMirror nothing = new WithMirror(none, withMirror ? none : null);
    if (maxKeypoints == 0) {
      return nothing;
    }
    // small images are enlarged (up to maxUpscale) so that ORB's pyramid, which only shrinks,
    // reaches the scales of a larger original
    double scale =
        Math.min(maxUpscale, (double) workingSize / Math.max(view.width(), view.height()));
    int w = Math.max(1, (int) Math.round(view.width() * scale));
    int h = Math.max(1, (int) Math.round(view.height() * scale));
    if (Math.min(w, h) <= 2 * EDGE_THRESHOLD) {
      // ORB keeps no keypoint within EDGE_THRESHOLD of a border, so there can be none; and its
      // pyramid fails an OpenCV assertion on a side that rounds to 0 (a 1-pixel-high image).
      return nothing;
    }
    Mat colour = new Mat(view.height(), view.width(), CvType.CV_8UC3);
    Mat small = new Mat();
    Mat grey = new Mat();
    Mat mirrorGrey = new Mat();
    MatOfKeyPoint detected = new MatOfKeyPoint();
    try {
      colour.put(0, 0, view.bgr());
      if (scale != 1.0) {
        Imgproc.resize(
            colour,
            small,
            new Size(w, h),
            0,
            0,
            scale < 1.0 ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR);
      } else {
        colour.copyTo(small);
      }
      Imgproc.cvtColor(small, grey, Imgproc.COLOR_BGR2GRAY);
      ORB orb = ORB.create(
          maxKeypoints * (demoteText ? CANDIDATES_PER_KEPT_TEXT_DEMOTED : CANDIDATES_PER_KEPT),
          PYRAMID_SCALE,
          PYRAMID_LEVELS,
          EDGE_THRESHOLD,
          0,
          WTA_K,
          ORB.HARRIS_SCORE,
          PATCH_SIZE,
          FAST_THRESHOLD);
      orb.detect(grey, detected);
      KeyPoint[] candidates = awayFromBorders(
          detected.toArray(), content, view.width(), view.height(), scale, borderMargin);
      if (demoteText) {
        byte[] greyPixels = new byte[w * h];
        grey.get(0, 0, greyPixels);
        candidates = TextKeypoints.demoted(candidates, greyPixels, w, h, PATCH_SIZE, PYRAMID_SCALE);
      }
      List<KeyPoint> selected = GridSelector.select(candidates, w, h, gridCells, maxKeypoints);
      double back = 1.0 / scale;
      Described described = computed(orb, grey, selected, back);
      if (!withMirror) {
        return new WithMirror(described.features(), null);
      }
      Core.flip(grey, mirrorGrey, HORIZONTAL);
      List<KeyPoint> reflected = described.kept().stream()
          .map(k -> new KeyPoint(
              reflectedX(k.pt.x, k.octave, w),
              (float) k.pt.y,
              k.size,
              reflectedAngle(k.angle),
              k.response,
              k.octave,
              k.class_id))
          .toList();
      return new WithMirror(
          described.features(), computed(orb, mirrorGrey, reflected, back).features());
    } finally {
      colour.release();
      small.release();
      grey.release();
      mirrorGrey.release();
      detected.release();
    }
  }

  /**
   * The {@code candidates} (detected on the view shrunk by {@code scale}) that lie at least {@code margin} pixels, times
   * their pyramid level's scale, inside every edge where {@code content} (view pixels) meets a uniform border. Corners
   * and edges of padding, letterboxing or a frame are strong, repeatable ORB keypoints that every image with the same
   * border shares: a handful of them match between two unrelated images framed alike, enough to verify them as a
   * copy. An edge of
   * {@code content} that is the view's own edge is no border; ORB keeps away from those already.
   */
  static KeyPoint[] awayFromBorders(
      KeyPoint[] candidates,
      Box content,
      int viewWidth,
      int viewHeight,
      double scale,
      double margin) {
    boolean left = content.getX() > 0;
    boolean top = content.getY() > 0;
    boolean right = content.getX() + content.getWidth() < viewWidth;
    boolean bottom = content.getY() + content.getHeight() < viewHeight;
    if (margin <= 0 || !(left || top || right || bottom)) {
      return candidates;
    }
    double minX = content.getX() * scale;
    double minY = content.getY() * scale;
    double maxX = (content.getX() + content.getWidth()) * scale;
    double maxY = (content.getY() + content.getHeight()) * scale;
    List<KeyPoint> kept = new ArrayList<>(candidates.length);
    for (KeyPoint k : candidates) {
      double m = margin * Math.pow(PYRAMID_SCALE, k.octave);
      boolean onBorder = (left && k.pt.x < minX + m)
          || (top && k.pt.y < minY + m)
          || (right && k.pt.x > maxX - m)
          || (bottom && k.pt.y > maxY - m);
      if (!onBorder) {
        kept.add(k);
      }
    }
    return kept.toArray(KeyPoint[]::new);
  }

  /** Features and the keypoints ORB kept (it drops those too near a border to describe). */
  private record Described(LocalFeatures features, List<KeyPoint> kept) {}

  /** Descriptors of {@code keypoints} on {@code grey}, positions and sizes mapped back to the view by {@code back}. */
  private static Described computed(ORB orb, Mat grey, List<KeyPoint> keypoints, double back) {
    if (keypoints.isEmpty()) {
      return new Described(LocalFeatures.none(DESCRIPTOR_BYTES), List.of());
    }
    MatOfKeyPoint chosen = new MatOfKeyPoint();
    Mat descriptors = new Mat();
    try {
      chosen.fromList(keypoints);
      orb.compute(grey, chosen, descriptors);
      KeyPoint[] kept = chosen.toArray();
      if (kept.length == 0 || descriptors.rows() != kept.length) {
        return new Described(LocalFeatures.none(DESCRIPTOR_BYTES), List.of());
      }
      assert descriptors.cols() == DESCRIPTOR_BYTES
          : "ORB descriptors of " + descriptors.cols() + " bytes";
      byte[] bytes = new byte[kept.length * DESCRIPTOR_BYTES];
      descriptors.get(0, 0, bytes);
      List<Keypoint> mapped = new ArrayList<>(kept.length);
      for (KeyPoint k : kept) {
        mapped.add(new Keypoint(
            (float) (k.pt.x * back),
            (float) (k.pt.y * back),
            (float) (k.size * back),
            k.angle,
            k.response));
      }
      return new Described(new LocalFeatures(mapped, bytes, DESCRIPTOR_BYTES), List.of(kept));
    } finally {
      chosen.release();
      descriptors.release();
    }
  }

  /**
   * Where a keypoint detected at {@code x} on pyramid level {@code octave} lies after a horizontal reflection of a
   * {@code width}-pixel image: ORB detects on level images {@code round(width / s)} wide ({@code s = 1.2^octave}, each
   * resized straight from the original, so a level of the mirror image is the mirror of the level) and reports level
   * pixel {@code xl} at {@code xl * s}; its reflection is level pixel {@code levelWidth - 1 - xl}.
   */
  static float reflectedX(double x, int octave, int width) {
    float levelScale = (float) Math.pow(PYRAMID_SCALE, octave);
    int levelWidth = Math.round(width / levelScale);
    return (float) ((levelWidth - 1) * levelScale - x);
  }

  /** An orientation in degrees [0, 360) after a horizontal reflection. */
  static float reflectedAngle(float degrees) {
    float reflected = HALF_TURN_DEGREES - degrees;
    return reflected < 0 ? reflected + FULL_TURN_DEGREES : reflected;
  }
}
