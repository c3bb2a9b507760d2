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
      throw new IllegalArgumentException("expected " + width * height * CHANNELS + " bytes, got " + bgr.length);
    }
  }

  /** Copies any BufferedImage into BGR; transparent pixels are composited onto white. */
  public static BgrImage of(BufferedImage image) {
    BufferedImage bgrImage = image;
    if (image.getType() != BufferedImage.TYPE_3BYTE_BGR) {
      bgrImage = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
      var graphics = bgrImage.createGraphics();
      try {
        graphics.setColor(java.awt.Color.WHITE);
        graphics.fillRect(0, 0, image.getWidth(), image.getHeight());
        graphics.drawImage(image, 0, 0, null);
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
      throw new IllegalArgumentException("crop " + x + "," + y + " " + w + "x" + h + " outside " + width + "x" + height);
    }
    if (x == 0 && y == 0 && w == width && h == height) {
      return this;
    }
    byte[] out = new byte[w * h * CHANNELS];
    for (int row = 0; row < h; row++) {
      System.arraycopy(bgr, ((y + row) * width + x) * CHANNELS, out, row * w * CHANNELS, w * CHANNELS);
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
