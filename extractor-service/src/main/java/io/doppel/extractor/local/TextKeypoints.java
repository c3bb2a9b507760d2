package io.doppel.extractor.local;

import java.util.Arrays;
import org.opencv.core.KeyPoint;

/**
 * Tells keypoints on text or drawn UI (a caption, a sticker's label, a status bar) from keypoints on a photo, and
 * demotes the former: their response is multiplied by {@value #DEMOTION}, so that every choice made strongest first
 * (the grid's quotas, the matcher's searched descriptors) takes them only where nothing else is left.
 *
 * <p>Why: the corners of glyphs are ORB's strongest responses, so a meme's caption or a story's stickers take most of
 * an upload's keypoint budget, and the photo they cover, the part a reference can match, gets few. Demoting rather
 * than dropping keeps them where they are all there is (a line drawing, a poster of text).
 *
 * <p>A patch is text-like when it is two-toned and crossed by strokes: the pixels within {@value #TONE_TOLERANCE} grey
 * levels of its most common value (the fill) cover at least {@value #MIN_FILL_SHARE} of it; those within {@value
 * #INK_TOLERANCE} of the most common value at least {@value #MIN_INK_CONTRAST} from the fill (the ink, whose
 * anti-aliased edges spread wider) bring the two to at least {@value #MIN_TWO_TONE_SHARE}; and a line across the patch
 * passes between fill and ink {@value #MIN_CROSSINGS_PER_LINE} times or more on average, samples of neither tone
 * skipped. A photo's patch spreads over more tones; the edge of a flat shape is two-toned but crossed once, and a thin
 * branch across a flat sky twice along one direction and never along the other. The patch is the keypoint's ORB patch
 * on its pyramid level, sampled on a grid of {@value #SAMPLES_PER_SIDE} × {@value #SAMPLES_PER_SIDE} points. Pure and
 * deterministic. Guarded by {@code TextKeypointsTest}.
 */
public final class TextKeypoints {

  static final float DEMOTION = 1e-3f;
  static final int TONE_TOLERANCE = 12;
  static final int INK_TOLERANCE = 28;
  /** Least difference between the fill's and the ink's grey values: text is meant to be read. */
  static final int MIN_INK_CONTRAST = 48;

  static final double MIN_FILL_SHARE = 0.4;
  static final double MIN_TWO_TONE_SHARE = 0.88;
  static final int SAMPLES_PER_SIDE = 16;
  /**
   * Crossings between fill and ink per sampled row and column, on average: a glyph's strokes cross a line of the patch
   * two or more times where the edge of a flat shape (a corner in a drawing, a roof against the sky) crosses it once.
   */
  static final double MIN_CROSSINGS_PER_LINE = 1.5;

  /** What a sample is: near the fill, near the ink, or neither. */
  private static final int NEITHER = 0;

  private static final int FILL = 1;
  private static final int INK = 2;

  private TextKeypoints() {}

  /** Arrays one patch's test fills and reads, reused from patch to patch: a view has thousands of candidates. */
  static final class Scratch {
    /** Zero outside a test: each test clears the bins its samples filled. */
    final int[] histogram = new int[256];

    final int[] cumulative = new int[histogram.length + 1];
    final int[] samples = new int[SAMPLES_PER_SIDE * SAMPLES_PER_SIDE];
    final int[] sampleXs = new int[SAMPLES_PER_SIDE];
    final int[] sampleYs = new int[SAMPLES_PER_SIDE];
  }

  /**
   * {@code candidates} with those on text-like patches of {@code grey} ({@code width × height}, one byte per pixel, the
   * image the candidates were detected on) demoted; the others unchanged, in the same order.
   *
   * @param patchSize ORB's patch size on pyramid level 0
   * @param pyramidScale ORB's scale factor between levels
   */
  public static KeyPoint[] demoted(
      KeyPoint[] candidates,
      byte[] grey,
      int width,
      int height,
      int patchSize,
      float pyramidScale) {
    KeyPoint[] out = new KeyPoint[candidates.length];
    Scratch scratch = new Scratch();
    for (int i = 0; i < candidates.length; i++) {
      KeyPoint k = candidates[i];
      double radius = patchSize / 2.0 * Math.pow(pyramidScale, k.octave);
      out[i] = textLike(grey, width, height, k.pt.x, k.pt.y, radius, scratch)
          ? new KeyPoint(
              (float) k.pt.x,
              (float) k.pt.y,
              k.size,
              k.angle,
              k.response * DEMOTION,
              k.octave,
              k.class_id)
          : k;
    }
    return out;
  }

  /**
   * Whether the square patch of {@code radius} around (x, y) is two-toned and crossed by strokes.
   */
  static boolean textLike(
      byte[] grey, int width, int height, double x, double y, double radius, Scratch scratch) {
    int x0 = Math.max(0, (int) Math.floor(x - radius));
    int y0 = Math.max(0, (int) Math.floor(y - radius));
    int x1 = Math.min(width - 1, (int) Math.ceil(x + radius));
    int y1 = Math.min(height - 1, (int) Math.ceil(y + radius));
    if (x1 - x0 < SAMPLES_PER_SIDE / 2 || y1 - y0 < SAMPLES_PER_SIDE / 2) {
      return false;
    }
    int[] histogram = scratch.histogram;
    int[] samples = scratch.samples;
    for (int i = 0; i < SAMPLES_PER_SIDE; i++) {
      scratch.sampleXs[i] = x0 + (int) Math.round((double) i * (x1 - x0) / (SAMPLES_PER_SIDE - 1));
      scratch.sampleYs[i] = y0 + (int) Math.round((double) i * (y1 - y0) / (SAMPLES_PER_SIDE - 1));
    }
    int darkest = 255;
    int brightest = 0;
    for (int row = 0; row < SAMPLES_PER_SIDE; row++) {
      int offset = scratch.sampleYs[row] * width;
      for (int column = 0; column < SAMPLES_PER_SIDE; column++) {
        int value = grey[offset + scratch.sampleXs[column]] & 0xFF;
        samples[row * SAMPLES_PER_SIDE + column] = value;
        histogram[value]++;
        darkest = Math.min(darkest, value);
        brightest = Math.max(brightest, value);
      }
    }
    Tones tones = new Tones(scratch.cumulative, darkest, brightest);
    scratch.cumulative[darkest] = 0;
    for (int v = darkest; v <= brightest; v++) {
      scratch.cumulative[v + 1] = scratch.cumulative[v] + histogram[v];
    }
    Arrays.fill(histogram, darkest, brightest + 1, 0);
    // Tones outside [darkest, brightest] hold no sample, so no window away from the samples can
    // win either search below: each scans only the windows that reach a sample, in the same
    // ascending order as a scan of all 256 would (TextKeypointsTest checks both agree).
    int fill = -1;
    int fillCount = 0;
    for (int value = Math.max(0, darkest - TONE_TOLERANCE);
        value <= Math.min(255, brightest + TONE_TOLERANCE);
        value++) {
      int count = tones.between(value - TONE_TOLERANCE, value + TONE_TOLERANCE);
      if (count > fillCount) {
        fill = value;
        fillCount = count;
      }
    }
    if (fillCount < MIN_FILL_SHARE * samples.length) {
      return false;
    }
    // the ink: of the tones MIN_INK_CONTRAST or more from the fill, the one with the most pixels
    // within INK_TOLERANCE of it, not counting the fill's (a noisy flat patch has tails either side
    // of its fill, never this far)
    int ink = -1;
    int inkCount = 0;
    for (int value = Math.max(0, darkest - INK_TOLERANCE);
        value <= Math.min(255, brightest + INK_TOLERANCE);
        value++) {
      if (Math.abs(value - fill) < MIN_INK_CONTRAST) {
        continue;
      }
      int from = value - INK_TOLERANCE;
      int to = value + INK_TOLERANCE;
      int count = tones.between(from, to)
          - tones.between(
              Math.max(from, fill - TONE_TOLERANCE), Math.min(to, fill + TONE_TOLERANCE));
      if (count > inkCount) {
        ink = value;
        inkCount = count;
      }
    }
    if (ink < 0 || fillCount + inkCount < MIN_TWO_TONE_SHARE * samples.length) {
      return false;
    }
    return crossings(samples, fill, ink) >= MIN_CROSSINGS_PER_LINE * 2 * SAMPLES_PER_SIDE;
  }

  /**
   * Sample counts by grey value, from a cumulative histogram filled over [darkest, brightest + 1] only: {@code
   * cumulative[v + 1]} counts the samples at v or darker, for v in that range.
   */
  private record Tones(int[] cumulative, int darkest, int brightest) {
    /** Samples with grey values in [from, to] (none when empty). */
    int between(int from, int to) {
      int lo = Math.max(darkest, from);
      int hi = Math.min(brightest, to);
      return hi < lo ? 0 : cumulative[hi + 1] - cumulative[lo];
    }
  }

  /**
   * How often consecutive fill and ink samples along the rows and the columns alternate: samples of neither tone (an
   * anti-aliased edge, noise) are skipped.
   */
  private static int crossings(int[] samples, int fill, int ink) {
    int crossings = 0;
    for (int line = 0; line < SAMPLES_PER_SIDE; line++) {
      int rowTone = NEITHER;
      int columnTone = NEITHER;
      for (int along = 0; along < SAMPLES_PER_SIDE; along++) {
        int row = tone(samples[line * SAMPLES_PER_SIDE + along], fill, ink);
        int column = tone(samples[along * SAMPLES_PER_SIDE + line], fill, ink);
        if (row != NEITHER) {
          crossings += rowTone != NEITHER && row != rowTone ? 1 : 0;
          rowTone = row;
        }
        if (column != NEITHER) {
          crossings += columnTone != NEITHER && column != columnTone ? 1 : 0;
          columnTone = column;
        }
      }
    }
    return crossings;
  }

  private static int tone(int value, int fill, int ink) {
    if (Math.abs(value - fill) <= TONE_TOLERANCE) {
      return FILL;
    }
    return Math.abs(value - ink) <= INK_TOLERANCE ? INK : NEITHER;
  }
}
