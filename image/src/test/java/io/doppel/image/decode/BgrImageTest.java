package io.doppel.image.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.testing.SyntheticImages;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BgrImageTest {

  /** Converting band by band gives exactly what one conversion of the whole image gave: features do not change. */
  @ParameterizedTest
  @ValueSource(
      ints = {
        BufferedImage.TYPE_INT_ARGB,
        BufferedImage.TYPE_INT_RGB,
        BufferedImage.TYPE_BYTE_INDEXED,
        BufferedImage.TYPE_USHORT_GRAY,
        BufferedImage.TYPE_4BYTE_ABGR,
        BufferedImage.TYPE_BYTE_GRAY
      })
  void bandedConversionGivesTheSamePixels(int type) {
    BufferedImage texture = SyntheticImages.texture(5, 300, 2 * BgrImage.BAND_ROWS + 77);
    BufferedImage image = new BufferedImage(texture.getWidth(), texture.getHeight(), type);
    var g = image.createGraphics();
    if (image.getColorModel().hasAlpha()) {
      g.setBackground(new Color(0, 0, 0, 0));
      g.clearRect(0, 0, image.getWidth(), image.getHeight());
      g.drawImage(texture, 20, 10, 200, 600, null); // transparent margins, composited onto white
    } else {
      g.drawImage(texture, 0, 0, null);
    }
    g.dispose();

    BufferedImage whole =
        new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    var w = whole.createGraphics();
    w.setColor(Color.WHITE);
    w.fillRect(0, 0, image.getWidth(), image.getHeight());
    w.drawImage(image, 0, 0, null);
    w.dispose();

    assertThat(BgrImage.of(image).bgr())
        .isEqualTo(((DataBufferByte) whole.getRaster().getDataBuffer()).getData());
  }

  /** The conversion after the last read checks the decode's deadline before each band and stops once it has passed. */
  @Test
  void conversionStopsAtTheDeadlineBetweenBands() {
    BufferedImage image =
        new BufferedImage(64, 3 * BgrImage.BAND_ROWS, BufferedImage.TYPE_INT_ARGB);
    AtomicInteger checks = new AtomicInteger();

    assertThatThrownBy(() -> BgrImage.of(image, () -> {
          if (checks.incrementAndGet() == 2) {
            throw new GuardedImageInputStream.DeadlineExceeded(Duration.ofMillis(1));
          }
        }))
        .isInstanceOf(GuardedImageInputStream.DeadlineExceeded.class);
    assertThat(checks).hasValue(2);
  }

  @Test
  void aBgrImageIsNotConvertedAtAll() throws IOException {
    BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_3BYTE_BGR);
    AtomicInteger checks = new AtomicInteger();

    BgrImage.of(image, checks::incrementAndGet);

    assertThat(checks).hasValue(0);
  }
}
