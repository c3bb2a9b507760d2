package io.doppel.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticImagesTest {

  @TempDir
  Path dir;

  @Test
  void aTextureIsTheSameForTheSameSeedAndDiffersForAnother() {
    BufferedImage first = SyntheticImages.texture(42, 160, 120);

    assertThat(pixels(SyntheticImages.texture(42, 160, 120))).isEqualTo(pixels(first));
    assertThat(pixels(SyntheticImages.texture(43, 160, 120))).isNotEqualTo(pixels(first));
    assertThat(first.getType()).isEqualTo(BufferedImage.TYPE_3BYTE_BGR);
    assertThat(distinctColours(first)).as("many shapes, not a flat colour").isGreaterThan(100);
  }

  @Test
  void tinyTexturesCanBeMade() {
    assertThat(SyntheticImages.texture(5, 7, 4).getHeight()).isEqualTo(4);
    assertThat(SyntheticImages.texture(5, 1, 1).getWidth()).isEqualTo(1);
  }

  @Test
  void theCopiesAreTheTransformationsTheyName() {
    BufferedImage image = SyntheticImages.texture(7, 90, 60);

    BufferedImage mirrored = SyntheticImages.mirror(image);
    assertThat(mirrored.getRGB(0, 10)).isEqualTo(image.getRGB(89, 10));
    assertThat(mirrored.getRGB(89, 59)).isEqualTo(image.getRGB(0, 59));

    BufferedImage cropped = SyntheticImages.crop(image, 0.19); // keeps 0.9 of each side
    assertThat(cropped.getWidth()).isEqualTo(81);
    assertThat(cropped.getHeight()).isEqualTo(54);
    assertThat(cropped.getRGB(0, 0)).isEqualTo(image.getRGB((90 - 81) / 3, (60 - 54) / 2));

    BufferedImage scaled = SyntheticImages.scale(image, 0.5);
    assertThat(scaled.getWidth()).isEqualTo(45);
    assertThat(scaled.getHeight()).isEqualTo(30);

    BufferedImage strip = SyntheticImages.tallStrip(image, 400, 150, 9);
    assertThat(strip.getHeight()).isEqualTo(400);
    assertThat(strip.getRGB(30, 150 + 20)).isEqualTo(image.getRGB(30, 20));

    assertThat(SyntheticImages.solid(3, 2, Color.RED).getRGB(2, 1)).isEqualTo(Color.RED.getRGB());
  }

  @Test
  void aWrittenPngReadsBackWithTheSamePixels() {
    BufferedImage image = SyntheticImages.texture(3, 64, 48);

    BufferedImage read =
        SyntheticImages.read(SyntheticImages.writePng(image, dir.resolve("t.png")));

    assertThat(pixels(read)).isEqualTo(pixels(image));
  }

  private static byte[] pixels(BufferedImage image) {
    return ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
  }

  private static long distinctColours(BufferedImage image) {
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        colours.add(image.getRGB(x, y));
      }
    }
    return colours.size();
  }
}
