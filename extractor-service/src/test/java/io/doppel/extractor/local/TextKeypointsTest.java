package io.doppel.extractor.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.testing.SyntheticImages;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
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
