package io.doppel.image.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.image.ImageRejectedException;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.testing.ImageFiles;
import io.doppel.testing.SyntheticImages;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDecoderTest {

  private static final long MAX_PIXELS = 40_000_000L;
  private final ImageDecoder decoder = new ImageDecoder(MAX_PIXELS);
  private final BufferedImage scene = SyntheticImages.texture(7, 120, 80);

  @ParameterizedTest
  @ValueSource(strings = {"jpeg", "png", "gif", "bmp", "tiff"})
  void decodesEveryWritableFormatAndSniffsIt(String format) throws Exception {
    ImageDecoder.Decoded decoded = decoder.decode(ImageFiles.encode(scene, format));

    assertThat(decoded.format().label()).isEqualTo(format);
    assertThat(decoded.image().width()).isEqualTo(120);
    assertThat(decoded.image().height()).isEqualTo(80);
  }

  @Test
  void losslessFormatsKeepThePixels() throws Exception {
    BgrImage original = BgrImage.of(scene);
    assertThat(decoder.decode(ImageFiles.encode(scene, "png")).image().bgr())
        .isEqualTo(original.bgr());
    assertThat(decoder.decode(ImageFiles.encode(scene, "bmp")).image().bgr())
        .isEqualTo(original.bgr());
  }

  @Test
  void decodesProgressiveJpeg() throws Exception {
    byte[] progressive = ImageFiles.progressiveJpeg(scene);
    assertThat(containsMarker(progressive, 0xC2))
        .as("SOF2 (progressive) marker")
        .isTrue();

    ImageDecoder.Decoded decoded = decoder.decode(progressive);

    assertThat(decoded.format()).isEqualTo(ImageFormat.JPEG);
    assertThat(decoded.image().width()).isEqualTo(120);
  }

  @Test
  void decodesCmykJpegIntoColours() throws Exception {
    BgrImage image =
        decoder.decode(ImageFiles.resource("/images/halves-48x32-cmyk.jpg")).image();

    int[] left = pixel(image, 8, 16);
    int[] right = pixel(image, 40, 16);
    // Cyan: little red, much blue and green. Yellow: much red and green, little blue.
    assertThat(left[2]).isLessThan(100);
    assertThat(left[0]).isGreaterThan(150);
    assertThat(right[2]).isGreaterThan(150);
    assertThat(right[0]).isLessThan(100);
  }

  @Test
  void decodesWebP() throws Exception {
    ImageDecoder.Decoded decoded = decoder.decode(ImageFiles.resource("/images/halves-48x32.webp"));

    assertThat(decoded.format()).isEqualTo(ImageFormat.WEBP);
    assertThat(pixel(decoded.image(), 8, 16)).containsExactly(0, 0, 255);
    assertThat(pixel(decoded.image(), 40, 16)).containsExactly(255, 0, 0);
  }

  @Test
  void appliesExifOrientation() throws Exception {
    BgrImage image =
        decoder.decode(ImageFiles.resource("/images/halves-48x32-exif6.jpg")).image();

    assertThat(image.width()).isEqualTo(32);
    assertThat(image.height()).isEqualTo(48);
    int[] top = pixel(image, 16, 8);
    int[] bottom = pixel(image, 16, 40);
    assertThat(top[2]).as("red on top").isGreaterThan(200);
    assertThat(bottom[0]).as("blue below").isGreaterThan(200);
  }

  @Test
  void compositesPngAlphaOnWhite() throws Exception {
    BufferedImage withAlpha = new BufferedImage(20, 10, BufferedImage.TYPE_INT_ARGB);
    Graphics2D g = withAlpha.createGraphics();
    g.setColor(Color.BLACK);
    g.fillRect(0, 0, 10, 10);
    g.dispose();

    BgrImage image = decoder.decode(ImageFiles.encode(withAlpha, "png")).image();

    assertThat(pixel(image, 5, 5)).containsExactly(0, 0, 0);
    assertThat(pixel(image, 15, 5)).containsExactly(255, 255, 255);
  }

  @Test
  void readsOnlyTheFirstFrameOfAManyFrameGif() throws Exception {
    BufferedImage first = SyntheticImages.solid(64, 48, Color.GREEN);
    byte[] gif = ImageFiles.animatedGif(first, 300);

    ImageDecoder.Decoded decoded = decoder.decode(gif);

    assertThat(decoded.format()).isEqualTo(ImageFormat.GIF);
    assertThat(pixel(decoded.image(), 10, 10)).containsExactly(0, 255, 0);
  }

  @Test
  void refusesHugePngHeaderBeforeDecoding() {
    byte[] bomb = ImageFiles.pngWithHeaderSize(ImageFiles.encode(scene, "png"), 60_000, 60_000);
    assertRejected(bomb, DeadLetterReason.TOO_MANY_PIXELS);
  }

  @Test
  void refusesHugeJpegHeaderBeforeDecoding() {
    byte[] bomb = ImageFiles.jpegWithHeaderSize(ImageFiles.encode(scene, "jpeg"), 60_000, 60_000);
    assertRejected(bomb, DeadLetterReason.TOO_MANY_PIXELS);
  }

  @Test
  void truncatedFilesAreCorrupt() {
    for (String format : new String[] {"jpeg", "png", "gif", "bmp", "tiff"}) {
      byte[] whole = ImageFiles.encode(scene, format);
      assertRejected(Arrays.copyOf(whole, whole.length / 2), DeadLetterReason.CORRUPT);
    }
  }

  @Test
  void zeroBytesAreCorrupt() {
    assertRejected(new byte[0], DeadLetterReason.CORRUPT);
  }

  @Test
  void randomBytesAreUnsupported() {
    byte[] noise = new byte[4096];
    new Random(3).nextBytes(noise);
    noise[0] = 0x12;
    assertRejected(noise, DeadLetterReason.UNSUPPORTED_FORMAT);
  }

  @Test
  void aJpegHeaderFollowedByNoiseIsCorrupt() {
    byte[] noise = new byte[4096];
    new Random(4).nextBytes(noise);
    noise[0] = (byte) 0xFF;
    noise[1] = (byte) 0xD8;
    noise[2] = (byte) 0xFF;
    assertRejected(noise, DeadLetterReason.CORRUPT);
  }

  @Test
  void pixelLimitIsConfigurable() {
    ImageDecoder strict = new ImageDecoder(50 * 50);
    assertThatThrownBy(() -> strict.decode(ImageFiles.encode(scene, "png")))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.TOO_MANY_PIXELS))
        .hasMessageContaining("120x80");
  }

  @Test
  void aWebPWhoseHeaderClaimsATallerCanvasThanItsDataIsStoppedAsCorrupt() {
    byte[] webp = ImageFiles.resource("/images/webp/scene-alpha-96x96-lossy.webp");
    // VP8X payload at 20: flags (4 bytes), canvas width-1 (3 bytes LE), canvas height-1 (3 bytes
    // LE).
    int tallCanvas = 32_767;
    webp[27] = (byte) tallCanvas;
    webp[28] = (byte) (tallCanvas >> 8);
    webp[29] = 0;
    // Without the read-past-end guard TwelveMonkeys decodes zeros for the whole canvas: minutes.
    ImageDecoder patient = new ImageDecoder(MAX_PIXELS, Duration.ofMinutes(10));
    assertThatThrownBy(() -> patient.decode(webp))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.CORRUPT))
        .hasMessageContaining("past the end");
  }

  @Test
  void aDecodeThatOutlastsItsTimeoutIsRejectedAsTimeout() {
    ImageDecoder hasty = new ImageDecoder(MAX_PIXELS, Duration.ofNanos(1));
    assertThatThrownBy(() -> hasty.decode(ImageFiles.encode(scene, "png")))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.TIMEOUT));
  }

  @Test
  void aJpegWhoseHeaderClaimsMoreRowsThanItHasIsCorrupt() {
    byte[] liar = ImageFiles.jpegWithHeaderSize(ImageFiles.encode(scene, "jpeg"), 6_000, 6_000);
    assertThatThrownBy(() -> decoder.decode(liar))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.CORRUPT))
        .hasMessageContaining("truncated");
  }

  private void assertRejected(byte[] bytes, DeadLetterReason reason) {
    assertThatThrownBy(() -> decoder.decode(bytes))
        .isInstanceOfSatisfying(
            ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  /** {B, G, R} at (x, y). */
  static int[] pixel(BgrImage image, int x, int y) {
    int i = (y * image.width() + x) * 3;
    return new int[] {image.bgr()[i] & 0xFF, image.bgr()[i + 1] & 0xFF, image.bgr()[i + 2] & 0xFF};
  }

  private static boolean containsMarker(byte[] jpeg, int marker) {
    for (int i = 0; i + 1 < jpeg.length; i++) {
      if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == marker) {
        return true;
      }
    }
    return false;
  }
}
