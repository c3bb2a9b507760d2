package io.doppel.extractor.pipeline;

import io.doppel.image.decode.BgrImage;
import io.doppel.schemas.avro.Box;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the content inside uniform borders (letterboxing, padding in one colour) and the panels of
 * a strip between uniform gutters. Borders: from each edge inwards, a row or column is border while
 * at least {@value #BORDER_PIXEL_SHARE} of its pixels lie within {@code tolerance} (largest channel
 * difference) of that edge's colour, the median of its outermost line. The share, not every pixel, so JPEG ringing at the content's edge does not stop
 * the scan early. At most {@value #MAX_SIDE_SHARE} of a dimension is trimmed from each side, so a
 * nearly uniform image is never cut to a sliver. Pure and deterministic.
 */
public final class UniformBorders {

  static final double BORDER_PIXEL_SHARE = 0.97;
  static final double MAX_SIDE_SHARE = 0.45;
  static final double MAX_PANEL_SHARE = 0.9;
  private static final int C = BgrImage.CHANNELS;

  private UniformBorders() {}

  /** The content box of {@code image}: the whole image when it has no uniform border. */
  public static Box contentBox(BgrImage image, int tolerance) {
    int w = image.width();
    int h = image.height();
    int maxRows = (int) (h * MAX_SIDE_SHARE);
    int maxColumns = (int) (w * MAX_SIDE_SHARE);
    int top = borderLines(image, tolerance, maxRows, w, (line, i) -> pixelIndex(w, i, line));
    int bottom =
        borderLines(image, tolerance, maxRows, w, (line, i) -> pixelIndex(w, i, h - 1 - line));
    int left = borderLines(image, tolerance, maxColumns, h, (line, i) -> pixelIndex(w, line, i));
    int right =
        borderLines(image, tolerance, maxColumns, h, (line, i) -> pixelIndex(w, w - 1 - line, i));
    return new Box(left, top, w - left - right, h - top - bottom);
  }

  /**
   * The panels of a strip: the runs of rows (a tall strip) or columns (a wide one) between uniform
   * gutters, each at least {@code minPanelLength} long and shorter than {@value #MAX_PANEL_SHARE} of
   * the strip (else there is no gutter to speak of), trimmed to their content. A line is a gutter
   * line when {@value #BORDER_PIXEL_SHARE} of its pixels lie within {@code tolerance} of its median colour.
   */
  public static List<Box> panels(BgrImage strip, int tolerance, int minPanelLength) {
    boolean tall = strip.height() >= strip.width();
    int length = tall ? strip.height() : strip.width();
    int breadth = tall ? strip.width() : strip.height();
    LineWalk walk = tall
        ? (line, i) -> pixelIndex(strip.width(), i, line)
        : (line, i) -> pixelIndex(strip.width(), line, i);
    List<Box> panels = new ArrayList<>();
    int start = -1;
    for (int line = 0; line <= length; line++) {
      boolean gutter = line == length || isUniform(strip.bgr(), tolerance, breadth, line, walk);
      if (!gutter && start < 0) {
        start = line;
      } else if (gutter && start >= 0) {
        int run = line - start;
        if (run >= minPanelLength && run < MAX_PANEL_SHARE * length) {
          Box band = tall ? new Box(0, start, breadth, run) : new Box(start, 0, run, breadth);
          Box content = contentBox(
              strip.crop(band.getX(), band.getY(), band.getWidth(), band.getHeight()), tolerance);
          panels.add(new Box(
              band.getX() + content.getX(),
              band.getY() + content.getY(),
              content.getWidth(),
              content.getHeight()));
        }
        start = -1;
      }
    }
    return panels;
  }

  private static boolean isUniform(
      byte[] bgr, int tolerance, int lineLength, int line, LineWalk walk) {
    int[] colour = medianColour(bgr, lineLength, position -> walk.offset(line, position));
    return mostlyNear(bgr, tolerance, lineLength, line, walk, colour);
  }

  /** Whether at least {@value #BORDER_PIXEL_SHARE} of the line's pixels lie within {@code tolerance} of {@code colour}. */
  private static boolean mostlyNear(
      byte[] bgr, int tolerance, int lineLength, int line, LineWalk walk, int[] colour) {
    int needed = (int) Math.ceil(BORDER_PIXEL_SHARE * lineLength);
    int close = 0;
    for (int i = 0; i < lineLength; i++) {
      if (near(bgr, walk.offset(line, i), colour, tolerance)) {
        close++;
      }
    }
    return close >= needed;
  }

  /** Maps (line number from the edge, position along the line) to the pixel's byte offset. */
  private interface LineWalk {
    int offset(int line, int position);
  }

  private static int pixelIndex(int width, int x, int y) {
    return (y * width + x) * C;
  }

  private static int borderLines(
      BgrImage image, int tolerance, int maxLines, int lineLength, LineWalk walk) {
    byte[] bgr = image.bgr();
    int[] colour = medianColour(bgr, lineLength, position -> walk.offset(0, position));
    int lines = 0;
    while (lines < maxLines && mostlyNear(bgr, tolerance, lineLength, lines, walk, colour)) {
      lines++;
    }
    return lines;
  }

  private static boolean near(byte[] bgr, int offset, int[] colour, int tolerance) {
    for (int c = 0; c < C; c++) {
      if (Math.abs((bgr[offset + c] & 0xFF) - colour[c]) > tolerance) {
        return false;
      }
    }
    return true;
  }

  private interface PixelAt {
    int offset(int position);
  }

  private static int[] medianColour(byte[] bgr, int lineLength, PixelAt pixel) {
    int[] colour = new int[C];
    for (int c = 0; c < C; c++) {
      int[] histogram = new int[256];
      for (int i = 0; i < lineLength; i++) {
        histogram[bgr[pixel.offset(i) + c] & 0xFF]++;
      }
      int seen = 0;
      int value = 0;
      while (seen + histogram[value] <= lineLength / 2) {
        seen += histogram[value];
        value++;
      }
      colour[c] = value;
    }
    return colour;
  }
}
