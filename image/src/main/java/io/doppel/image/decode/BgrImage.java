package io.doppel.image.decode;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * A decoded image as packed 8-bit BGR rows (OpenCV's channel order), the one pixel format the
 * model preprocessing and the local features share. Treat {@code bgr} as read-only.
 */
public record BgrImage(int width, int height, byte[] bgr) {

  public static final int CHANNELS = 3;

  public BgrImage {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("image must be non-empty, got " + width + "x" + height);
    }
    if (bgr.length != (long) width * height * CHANNELS) {
      throw new IllegalArgumentException(
          "expected " + width * height * CHANNELS + " bytes, got " + bgr.length);
    }
  }

  /** Rows converted between two checks of the decode's deadline. */
  static final int BAND_ROWS = 256;

  /** A check that throws once the work's time is up. */
  interface Deadline {
    void check() throws java.io.IOException;
  }

  /** Copies any BufferedImage into BGR; transparent pixels are composited onto white. */
  public static BgrImage of(BufferedImage image) {
    try {
      return of(image, () -> {});
    } catch (java.io.IOException impossible) {
      throw new java.io.UncheckedIOException(impossible);
    }
  }

  /**
   * Like {@link #of(BufferedImage)}, converting {@value #BAND_ROWS} rows at a time and calling {@code deadline} before
   * each band: a colour conversion (CMYK, ICC profiles, 16-bit samples) runs after the reader's last read, where the
   * input stream's deadline cannot stop it. The pixels are those of one whole-image conversion (guarded by {@code
   * BgrImageTest.bandedConversionGivesTheSamePixels}, {@code BgrImageTest.conversionStopsAtTheDeadlineBetweenBands}).
   */
  static BgrImage of(BufferedImage image, Deadline deadline) throws java.io.IOException {
    BufferedImage bgrImage = image;
    if (image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
      int width = image.getWidth();
      int height = image.getHeight();
      bgrImage = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
      var graphics = bgrImage.createGraphics();
      try {
        graphics.setColor(java.awt.Color.WHITE);
        graphics.fillRect(0, 0, width, height);
        for (int top = 0; top < height; top += BAND_ROWS) {
          deadline.check();
          int bottom = Math.min(height, top + BAND_ROWS);
          graphics.drawImage(image, 0, top, width, bottom, 0, top, width, bottom, null);
        }
      } finally {
        graphics.dispose();
      }
    }
    byte[] data = ((DataBufferByte) bgrImage.getRaster().getDataBuffer()).getData();
    return new BgrImage(bgrImage.getWidth(), bgrImage.getHeight(), data);
  }

  /** The horizontally flipped image (x becomes width - 1 - x). */
  public BgrImage mirrored() {
    byte[] out = new byte[bgr.length];
    int rowBytes = width * CHANNELS;
    for (int y = 0; y < height; y++) {
      int row = y * rowBytes;
      for (int x = 0; x < width; x++) {
        int from = row + x * CHANNELS;
        int to = row + (width - 1 - x) * CHANNELS;
        out[to] = bgr[from];
        out[to + 1] = bgr[from + 1];
        out[to + 2] = bgr[from + 2];
      }
    }
    return new BgrImage(width, height, out);
  }

  /** The pixels of the rectangle (x, y, w, h), which must lie inside the image. */
  public BgrImage crop(int x, int y, int w, int h) {
    if (x < 0 || y < 0 || w <= 0 || h <= 0 || x + w > width || y + h > height) {
      throw new IllegalArgumentException(
          "crop " + x + "," + y + " " + w + "x" + h + " outside " + width + "x" + height);
    }
    if (x == 0 && y == 0 && w == width && h == height) {
      return this;
    }
    byte[] out = new byte[w * h * CHANNELS];
    for (int row = 0; row < h; row++) {
      System.arraycopy(
          bgr, ((y + row) * width + x) * CHANNELS, out, row * w * CHANNELS, w * CHANNELS);
    }
    return new BgrImage(w, h, out);
  }

  public BufferedImage toBufferedImage() {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    byte[] data = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    System.arraycopy(bgr, 0, data, 0, bgr.length);
    return image;
  }
}
