package io.doppel.extractor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.image.decode.BgrImage;
import io.doppel.schemas.avro.Box;
import io.doppel.testing.ImageFiles;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class UniformBordersTest {

  private static final int TOLERANCE = 24;
  /** JPEG ringing (chroma subsampled, 8-pixel blocks) blurs the content's edge by up to half a block. */
  private static final int JPEG_SLACK = 4;

  @Test
  void aPhotoWithoutBordersIsAllContent() {
    BgrImage photo = BgrImage.of(ViewPlannerTest.noise(320, 240, 7));
    assertThat(UniformBorders.contentBox(photo, TOLERANCE)).isEqualTo(new Box(0, 0, 320, 240));
  }

  @Test
  void paddingOnEverySideIsTrimmedEvenAfterJpeg() throws IOException {
    BufferedImage padded = ViewPlannerTest.padded(
        ViewPlannerTest.noise(300, 200, 8), 26, 44, 3, 36, new Color(255, 255, 0));
    BgrImage decoded =
        BgrImage.of(ImageIO.read(new ByteArrayInputStream(ImageFiles.encode(padded, "jpeg"))));

    Box content = UniformBorders.contentBox(decoded, TOLERANCE);

    assertThat(content.getX()).isBetween(26 - JPEG_SLACK, 26 + JPEG_SLACK);
    assertThat(content.getY()).isBetween(44 - JPEG_SLACK, 44 + JPEG_SLACK);
    assertThat(content.getWidth()).isBetween(300 - 2 * JPEG_SLACK, 300 + 2 * JPEG_SLACK);
    assertThat(content.getHeight()).isBetween(200 - 2 * JPEG_SLACK, 200 + 2 * JPEG_SLACK);
  }

  @Test
  void aStripSplitsIntoItsPanelsBetweenGutters() {
    BufferedImage strip = StripFixture.strip(
        300,
        Color.WHITE,
        10,
        ViewPlannerTest.noise(280, 120, 1),
        ViewPlannerTest.noise(280, 30, 2),
        ViewPlannerTest.noise(260, 400, 3));

    // the 30-pixel band is shorter than the minimum panel length: a caption, not a picture
    assertThat(UniformBorders.panels(BgrImage.of(strip), TOLERANCE, 60))
        .containsExactly(new Box(10, 10, 280, 120), new Box(20, 180, 260, 400));
  }

  @Test
  void anImageWithoutGuttersHasNoPanels() {
    assertThat(
            UniformBorders.panels(BgrImage.of(ViewPlannerTest.noise(300, 900, 5)), TOLERANCE, 60))
        .isEmpty();
  }

  @Test
  void aUniformImageIsNeverCutToASliver() {
    BufferedImage blank = ViewPlannerTest.padded(
        new BufferedImage(1, 1, BufferedImage.TYPE_3BYTE_BGR), 99, 49, 100, 50, Color.WHITE);
    Box content = UniformBorders.contentBox(BgrImage.of(blank), TOLERANCE);

    assertThat(content.getWidth())
        .isGreaterThanOrEqualTo((int) (200 * (1 - 2 * UniformBorders.MAX_SIDE_SHARE)));
    assertThat(content.getHeight())
        .isGreaterThanOrEqualTo((int) (100 * (1 - 2 * UniformBorders.MAX_SIDE_SHARE)));
  }
}
