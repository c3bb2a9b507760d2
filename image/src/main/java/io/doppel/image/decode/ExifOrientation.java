package io.doppel.image.decode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Reads the EXIF orientation tag (0x0112) from a JPEG's APP1 segment and applies it. A compact
 * parser: only the segment walk and IFD0 are read, every offset is bounds-checked, and anything
 * malformed means "no orientation" rather than an error, as cameras write odd EXIF.
 */
public final class ExifOrientation {

  public static final int NORMAL = 1;
  private static final int ORIENTATION_TAG = 0x0112;
  private static final int MARKER_APP1 = 0xE1;
  private static final int MARKER_SOS = 0xDA;
  private static final int EXIF_HEADER_LENGTH = 6;
  private static final int IFD_ENTRY_LENGTH = 12;

  private ExifOrientation() {}

  /** The orientation value 1..8 of a JPEG, or {@link #NORMAL} when absent or unreadable. */
  public static int ofJpeg(byte[] jpeg) {
    int position = 2;
    while (position + 4 <= jpeg.length) {
      if ((jpeg[position] & 0xFF) != 0xFF) {
        return NORMAL;
      }
      int marker = jpeg[position + 1] & 0xFF;
      if (marker == 0xFF) {
        position++;
        continue;
      }
      if (marker == MARKER_SOS) {
        return NORMAL;
      }
      int length = ((jpeg[position + 2] & 0xFF) << 8) | (jpeg[position + 3] & 0xFF);
      int segmentStart = position + 4;
      int segmentEnd = position + 2 + length;
      if (length < 2 || segmentEnd > jpeg.length) {
        return NORMAL;
      }
      if (marker == MARKER_APP1 && isExifHeader(jpeg, segmentStart, segmentEnd)) {
        return fromTiff(ByteBuffer.wrap(
                jpeg,
                segmentStart + EXIF_HEADER_LENGTH,
                segmentEnd - segmentStart - EXIF_HEADER_LENGTH)
            .slice());
      }
      position = segmentEnd;
    }
    return NORMAL;
  }

  private static boolean isExifHeader(byte[] b, int start, int end) {
    return end - start > EXIF_HEADER_LENGTH
        && b[start] == 'E'
        && b[start + 1] == 'x'
        && b[start + 2] == 'i'
        && b[start + 3] == 'f'
        && b[start + 4] == 0
        && b[start + 5] == 0;
  }

  private static int fromTiff(ByteBuffer tiff) {
    try {
      if (tiff.get(0) == 'I' && tiff.get(1) == 'I') {
        tiff.order(ByteOrder.LITTLE_ENDIAN);
      } else if (tiff.get(0) == 'M' && tiff.get(1) == 'M') {
        tiff.order(ByteOrder.BIG_ENDIAN);
      } else {
        return NORMAL;
      }
      int ifd0 = tiff.getInt(4);
      int entries = Short.toUnsignedInt(tiff.getShort(ifd0));
      for (int i = 0; i < entries; i++) {
        int entry = ifd0 + 2 + i * IFD_ENTRY_LENGTH;
        if (Short.toUnsignedInt(tiff.getShort(entry)) == ORIENTATION_TAG) {
          int value = Short.toUnsignedInt(tiff.getShort(entry + 8));
          return value >= 1 && value <= 8 ? value : NORMAL;
        }
      }
      return NORMAL;
    } catch (IndexOutOfBoundsException malformed) {
      return NORMAL;
    }
  }

  /** The image as it should be displayed, given its EXIF orientation (1..8). */
  public static BgrImage apply(BgrImage image, int orientation) {
    if (orientation <= NORMAL || orientation > 8) {
      return image;
    }
    int w = image.width();
    int h = image.height();
    boolean swapsSides = orientation >= 5;
    int outWidth = swapsSides ? h : w;
    int outHeight = swapsSides ? w : h;
    byte[] in = image.bgr();
    byte[] out = new byte[in.length];
    for (int oy = 0; oy < outHeight; oy++) {
      for (int ox = 0; ox < outWidth; ox++) {
        int sx;
        int sy;
        switch (orientation) {
          case 2 -> {
            sx = w - 1 - ox;
            sy = oy;
          }
          case 3 -> {
            sx = w - 1 - ox;
            sy = h - 1 - oy;
          }
          case 4 -> {
            sx = ox;
            sy = h - 1 - oy;
          }
          case 5 -> {
            sx = oy;
            sy = ox;
          }
          case 6 -> {
            sx = oy;
            sy = h - 1 - ox;
          }
          case 7 -> {
            sx = w - 1 - oy;
            sy = h - 1 - ox;
          }
          default -> {
            sx = w - 1 - oy;
            sy = ox;
          }
        }
        int from = (sy * w + sx) * BgrImage.CHANNELS;
        int to = (oy * outWidth + ox) * BgrImage.CHANNELS;
        out[to] = in[from];
        out[to + 1] = in[from + 1];
        out[to + 2] = in[from + 2];
      }
    }
    return new BgrImage(outWidth, outHeight, out);
  }
}
