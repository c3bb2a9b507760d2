package io.doppel.extractor.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.testing.SyntheticImages;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.opencv.core.KeyPoint;

class TextKeypointsTest {

  private static final int PATCH = 31;
  private static final float PYRAMID = 1.2f;

  @Test
  void aGlyphOnAFlatFillIsTextAndIsDemoted() {
    BufferedImage caption = SyntheticImages.solid(200, 100, new Color(250, 250, 245));
    Graphics2D g = caption.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(new Color(20, 20, 30));
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 40));
    g.drawString("Wk", 40, 70);
    g.dispose();
    KeyPoint onGlyph = new KeyPoint(60, 50, PATCH, 0, 100f, 0, -1);

    KeyPoint[] demoted =
        TextKeypoints.demoted(new KeyPoint[] {onGlyph}, grey(caption), 200, 100, PATCH, PYRAMID);

    assertThat(demoted[0].response).isEqualTo(100f * TextKeypoints.DEMOTION);
    assertThat(demoted[0].pt).isEqualTo(onGlyph.pt);
  }

  @Test
  void aPhotoPatchIsNotText() {
    BufferedImage photo = SyntheticImages.photo(200, 200, 5);
    KeyPoint[] demoted = demotedOnAGrid(photo);

    assertThat(demoted).allSatisfy(k -> assertThat(k.response).isEqualTo(50f));
  }

  @Test
  void aBranchAcrossASkyShadedTopToBottomIsNotText() {
    BufferedImage sky = new BufferedImage(100, 100, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < 100; y++) {
      int shade = 150 + y / 3;
      for (int x = 0; x < 100; x++) {
        sky.setRGB(x, y, new Color(shade * 2 / 3, shade * 5 / 6, shade).getRGB());
      }
    }
    Graphics2D g = sky.createGraphics();
    g.setColor(new Color(40, 30, 20));
    g.fillRect(0, 48, 100, 4);
    g.dispose();

    assertThat(TextKeypoints.textLike(
            grey(sky), 100, 100, 50, 50, PATCH / 2.0, new TextKeypoints.Scratch()))
        .isFalse();
  }

  @Test
  void theEdgesOfFlatShapesAndThinStrokesOfADrawingAreText() {
    // a drawing is two-toned too: demoted, which only orders its keypoints among themselves
    BufferedImage drawing = SyntheticImages.texture(5, 200, 200);
    KeyPoint[] demoted = demotedOnAGrid(drawing);

    assertThat(demoted).anySatisfy(k -> assertThat(k.response).isLessThan(50f));
  }

  @Test
  void scanningOnlyTheTonesSampledDecidesAsAScanOfAll256Does() {
    // captions in random tones and sizes over photos, drawings and flat fills, probed everywhere;
    // one scratch for all, as a view's candidates share one
    Random random = new Random(7);
    TextKeypoints.Scratch scratch = new TextKeypoints.Scratch();
    int text = 0;
    int probes = 0;
    for (int image = 0; image < 12; image++) {
      BufferedImage canvas = switch (image % 3) {
        case 0 -> SyntheticImages.photo(160, 160, image);
        case 1 -> SyntheticImages.texture(image, 160, 160);
        default -> SyntheticImages.solid(160, 160, new Color(random.nextInt(0xFFFFFF)));
      };
      Graphics2D g = canvas.createGraphics();
      g.setColor(new Color(random.nextInt(0xFFFFFF)));
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14 + random.nextInt(30)));
      g.drawString("Kafka 42", 5, 40 + random.nextInt(80));
      g.dispose();
      byte[] grey = grey(canvas);
      for (int y = 0; y < 160; y += 7) {
        for (int x = 0; x < 160; x += 7) {
          double radius = PATCH / 2.0 * Math.pow(PYRAMID, (x + y) % 4);
          boolean expected = textLikeByFullScan(grey, 160, 160, x, y, radius);
          assertThat(TextKeypoints.textLike(grey, 160, 160, x, y, radius, scratch))
              .as("image %d at (%d, %d)", image, x, y)
              .isEqualTo(expected);
          text += expected ? 1 : 0;
          probes++;
        }
      }
    }
    assertThat(text).as("text-like probes").isBetween(50, probes - 50);
  }

  /** The rule of {@link TextKeypoints#textLike}, written plainly: every window of all 256 tones. */
  private static boolean textLikeByFullScan(
      byte[] grey, int width, int height, double x, double y, double radius) {
    int side = TextKeypoints.SAMPLES_PER_SIDE;
    int x0 = Math.max(0, (int) Math.floor(x - radius));
    int y0 = Math.max(0, (int) Math.floor(y - radius));
    int x1 = Math.min(width - 1, (int) Math.ceil(x + radius));
    int y1 = Math.min(height - 1, (int) Math.ceil(y + radius));
    if (x1 - x0 < side / 2 || y1 - y0 < side / 2) {
      return false;
    }
    int[] samples = new int[side * side];
    int[] histogram = new int[256];
    for (int row = 0; row < side; row++) {
      for (int column = 0; column < side; column++) {
        int sy = y0 + (int) Math.round((double) row * (y1 - y0) / (side - 1));
        int sx = x0 + (int) Math.round((double) column * (x1 - x0) / (side - 1));
        samples[row * side + column] = grey[sy * width + sx] & 0xFF;
        histogram[samples[row * side + column]]++;
      }
    }
    int fill = -1;
    int fillCount = 0;
    for (int value = 0; value < 256; value++) {
      int count = count(
          histogram, value - TextKeypoints.TONE_TOLERANCE, value + TextKeypoints.TONE_TOLERANCE);
      if (count > fillCount) {
        fill = value;
        fillCount = count;
      }
    }
    if (fillCount < TextKeypoints.MIN_FILL_SHARE * samples.length) {
      return false;
    }
    int ink = -1;
    int inkCount = 0;
    for (int value = 0; value < 256; value++) {
      if (Math.abs(value - fill) < TextKeypoints.MIN_INK_CONTRAST) {
        continue;
      }
      int from = value - TextKeypoints.INK_TOLERANCE;
      int to = value + TextKeypoints.INK_TOLERANCE;
      int count = count(histogram, from, to)
          - count(
              histogram,
              Math.max(from, fill - TextKeypoints.TONE_TOLERANCE),
              Math.min(to, fill + TextKeypoints.TONE_TOLERANCE));
      if (count > inkCount) {
        ink = value;
        inkCount = count;
      }
    }
    if (ink < 0 || fillCount + inkCount < TextKeypoints.MIN_TWO_TONE_SHARE * samples.length) {
      return false;
    }
    int crossings = 0;
    for (int line = 0; line < side; line++) {
      int rowTone = 0;
      int columnTone = 0;
      for (int along = 0; along < side; along++) {
        int row = tone(samples[line * side + along], fill, ink);
        int column = tone(samples[along * side + line], fill, ink);
        if (row != 0) {
          crossings += rowTone != 0 && row != rowTone ? 1 : 0;
          rowTone = row;
        }
        if (column != 0) {
          crossings += columnTone != 0 && column != columnTone ? 1 : 0;
          columnTone = column;
        }
      }
    }
    return crossings >= TextKeypoints.MIN_CROSSINGS_PER_LINE * 2 * side;
  }

  private static int tone(int value, int fill, int ink) {
    if (Math.abs(value - fill) <= TextKeypoints.TONE_TOLERANCE) {
      return 1;
    }
    return Math.abs(value - ink) <= TextKeypoints.INK_TOLERANCE ? 2 : 0;
  }

  private static int count(int[] histogram, int from, int to) {
    int count = 0;
    for (int v = Math.max(0, from); v <= Math.min(255, to); v++) {
      count += histogram[v];
    }
    return count;
  }

  /** 25 candidates of response 50 on a 5 × 5 grid over a 200 × 200 {@code image}, demoted where text-like. */
  private static KeyPoint[] demotedOnAGrid(BufferedImage image) {
    KeyPoint[] candidates = new KeyPoint[25];
    for (int i = 0; i < candidates.length; i++) {
      candidates[i] = new KeyPoint(30 + 35 * (i % 5), 30 + 35 * (i / 5), PATCH, 0, 50f, 0, -1);
    }
    return TextKeypoints.demoted(candidates, grey(image), 200, 200, PATCH, PYRAMID);
  }

  private static byte[] grey(BufferedImage image) {
    byte[] grey = new byte[image.getWidth() * image.getHeight()];
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y);
        int luma =
            (299 * ((rgb >> 16) & 0xFF) + 587 * ((rgb >> 8) & 0xFF) + 114 * (rgb & 0xFF)) / 1000;
        grey[y * image.getWidth() + x] = (byte) luma;
      }
    }
    return grey;
  }
}
