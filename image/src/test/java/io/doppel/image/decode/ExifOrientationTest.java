package io.doppel.image.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.testing.ImageFiles;
import io.doppel.testing.SyntheticImages;
import org.junit.jupiter.api.Test;

class ExifOrientationTest {

  private final BgrImage image = BgrImage.of(SyntheticImages.texture(5, 7, 4));

  @Test
  void rotationClockwiseMovesTheLeftColumnToTheTop() {
    // Stored row [A B] displays, rotated 90° clockwise, as the column [A; B].
    BgrImage row = new BgrImage(2, 1, new byte[] {1, 1, 1, 2, 2, 2});
    assertThat(ExifOrientation.apply(row, 6).bgr()).containsExactly(1, 1, 1, 2, 2, 2);
    assertThat(ExifOrientation.apply(row, 8).bgr()).containsExactly(2, 2, 2, 1, 1, 1);
    assertThat(ExifOrientation.apply(row, 6).width()).isEqualTo(1);
  }

  @Test
  void allEightOrientationsAgreeWithComposedRotationsAndFlips() {
    BgrImage cw = ExifOrientation.apply(image, 6);
    assertThat(ExifOrientation.apply(image, 1)).isSameAs(image);
    assertThat(ExifOrientation.apply(image, 2).bgr()).isEqualTo(image.mirrored().bgr());
    assertThat(ExifOrientation.apply(image, 3).bgr())
        .isEqualTo(ExifOrientation.apply(cw, 6).bgr());
    assertThat(ExifOrientation.apply(image, 4).bgr())
        .isEqualTo(ExifOrientation.apply(image, 3).mirrored().bgr());
    assertThat(ExifOrientation.apply(image, 5).bgr()).isEqualTo(cw.mirrored().bgr());
    assertThat(ExifOrientation.apply(image, 7).bgr())
        .isEqualTo(ExifOrientation.apply(cw, 4).bgr());
    assertThat(ExifOrientation.apply(image, 8).bgr())
        .isEqualTo(ExifOrientation.apply(ExifOrientation.apply(cw, 6), 6).bgr());
    for (int orientation = 5; orientation <= 8; orientation++) {
      assertThat(ExifOrientation.apply(image, orientation).width()).isEqualTo(4);
    }
  }

  @Test
  void jpegWithoutExifOrGarbageExifIsNormal() {
    assertThat(
            ExifOrientation.ofJpeg(ImageFiles.encode(SyntheticImages.texture(1, 20, 10), "jpeg")))
        .isEqualTo(ExifOrientation.NORMAL);
    byte[] brokenExif = {
      (byte) 0xFF,
      (byte) 0xD8,
      (byte) 0xFF,
      (byte) 0xE1,
      0,
      12,
      'E',
      'x',
      'i',
      'f',
      0,
      0,
      'I',
      'I',
      42,
      0
    };
    assertThat(ExifOrientation.ofJpeg(brokenExif)).isEqualTo(ExifOrientation.NORMAL);
    assertThat(ExifOrientation.ofJpeg(ImageFiles.resource("/images/halves-48x32-exif6.jpg")))
        .isEqualTo(6);
  }
}
