package io.doppel.testing;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Locale;
import java.util.Random;

/**
 * The ways users repost a photo inside another picture, drawn in memory: a meme (caption bands above and below), a
 * post in a phone's feed screenshot, a collage tile, a picture-in-picture inset and a photo of a screen at an angle.
 *
 * <p>Each returns the upload and where the photo landed in it ({@link Placed#box}), so a test can check that the
 * pipeline's reported region is that box. The same arguments give the same pixels; the Python generator in
 * {@code tools/wild-eval} draws the same kinds, with more variety, for measurement.
 */
public final class Layouts {

  /** An upload and the part of it that shows the photo, in upload pixels. */
  public record Placed(BufferedImage image, Rectangle box) {}

  private static final Color INK = new Color(20, 20, 20);
  private static final Color MUTED = new Color(120, 124, 130);
  private static final String[] WORDS = {
    "when",
    "the",
    "photo",
    "you",
    "posted",
    "comes",
    "back",
    "again",
    "every",
    "monday",
    "mood",
    "nobody",
    "me",
    "literally",
    "this",
    "weekend",
    "vibes",
    "same",
    "energy",
    "finally"
  };

  private Layouts() {}

  /**
   * A classic meme: {@code photo} resized to {@code width}, a white band with {@code lines} lines of bold black
   * caption above it, and a second band below when {@code bottomBand}.
   */
  public static Placed meme(
      BufferedImage photo, int width, int lines, boolean bottomBand, long seed) {
    Random random = new Random(seed);
    int height = Math.round((float) photo.getHeight() * width / photo.getWidth());
    BufferedImage scaled = SyntheticImages.resize(photo, width, height);
    int lineHeight = Math.max(24, width / 12);
    int band = lineHeight * lines + lineHeight / 2;
    int bottom = bottomBand ? lineHeight + lineHeight / 2 : 0;
    BufferedImage out =
        SyntheticImages.solid(width, band + scaled.getHeight() + bottom, Color.WHITE);
    Graphics2D g = graphics(out);
    g.drawImage(scaled, 0, band, null);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, lineHeight * 4 / 5));
    for (int line = 0; line < lines; line++) {
      centred(
          g, caption(random, 4), width, lineHeight / 4 + lineHeight * (line + 1) - lineHeight / 5);
    }
    if (bottomBand) {
      centred(g, caption(random, 3), width, band + scaled.getHeight() + lineHeight);
    }
    g.dispose();
    return new Placed(out, new Rectangle(0, band, scaled.getWidth(), scaled.getHeight()));
  }

  /**
   * A phone screenshot of a social feed: status bar, app bar, the poster's avatar and name, {@code photo} cropped to
   * a square the width of the screen, action icons, a caption and the next post cut off, all inside a drawn phone
   * frame {@code width} wide (9:19.5).
   */
  public static Placed feedScreenshot(BufferedImage photo, int width, long seed) {
    Random random = new Random(seed);
    int height = width * 39 / 18;
    int bezel = width / 24;
    BufferedImage out = SyntheticImages.solid(width, height, new Color(30, 30, 32));
    Graphics2D g = graphics(out);
    int screenW = width - 2 * bezel;
    int x0 = bezel;
    int y0 = bezel * 2;
    g.setColor(Color.WHITE);
    g.fillRoundRect(x0, y0, screenW, height - 4 * bezel, bezel, bezel);
    int unit = screenW / 20;
    g.setColor(INK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, unit * 3 / 4));
    g.drawString(
        String.format("%d:%02d", 9 + random.nextInt(12), random.nextInt(60)), x0 + unit, y0 + unit);
    for (int bar = 0; bar < 4; bar++) {
      g.fillRect(
          x0 + screenW - 4 * unit + bar * unit / 2,
          y0 + unit - bar * unit / 5,
          unit / 3,
          bar * unit / 5 + 2);
    }
    g.drawRect(x0 + screenW - 2 * unit, y0 + unit / 3, unit * 3 / 2, unit * 2 / 3);
    g.setFont(new Font(Font.SERIF, Font.BOLD | Font.ITALIC, unit * 3 / 2));
    g.drawString("Snapgram", x0 + unit, y0 + 3 * unit);
    g.setColor(MUTED);
    g.drawLine(x0, y0 + 4 * unit, x0 + screenW, y0 + 4 * unit);
    int postTop = postHeader(g, random, x0, y0 + 4 * unit, unit);
    Rectangle box = new Rectangle(x0, postTop, screenW, screenW);
    g.drawImage(squareCrop(photo, screenW), box.x, box.y, null);
    int actions = box.y + box.height + unit;
    g.setColor(INK);
    g.setStroke(new BasicStroke(Math.max(2, unit / 8)));
    g.drawOval(x0 + unit, actions, unit, unit);
    g.drawRoundRect(x0 + 3 * unit, actions, unit, unit, unit / 2, unit / 2);
    g.drawPolygon(
        new int[] {x0 + 5 * unit, x0 + 6 * unit, x0 + 5 * unit},
        new int[] {actions, actions + unit / 2, actions + unit},
        3);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, unit * 3 / 4));
    int text = actions + 2 * unit + unit / 2;
    for (int line = 0; line < 2; line++) {
      g.drawString(caption(random, 6), x0 + unit, text + line * unit);
    }
    postHeader(g, random, x0, text + 2 * unit, unit);
    g.dispose();
    return new Placed(out, box);
  }

  /**
   * A {@code rows}×{@code columns} collage of equal tiles {@code tile} pixels square, {@code gap} pixels of white
   * between them: {@code photo} in tile {@code at} (row-major), seeded textures in the others.
   */
  public static Placed collage(
      BufferedImage photo, int rows, int columns, int at, int tile, int gap, long seed) {
    int width = columns * tile + (columns + 1) * gap;
    BufferedImage out = SyntheticImages.solid(width, rows * tile + (rows + 1) * gap, Color.WHITE);
    Graphics2D g = graphics(out);
    Rectangle box = null;
    for (int i = 0; i < rows * columns; i++) {
      Rectangle cell = new Rectangle(
          gap + (i % columns) * (tile + gap), gap + (i / columns) * (tile + gap), tile, tile);
      BufferedImage content = i == at ? photo : SyntheticImages.texture(seed + i, tile, tile);
      g.drawImage(squareCrop(content, tile), cell.x, cell.y, null);
      if (i == at) {
        box = cell;
      }
    }
    g.dispose();
    if (box == null) {
      throw new IllegalArgumentException(
          "tile " + at + " is outside a " + rows + "x" + columns + " collage");
    }
    return new Placed(out, box);
  }

  /**
   * {@code photo} as an inset {@code widthShare} of {@code background}'s width, in its lower right corner, with a
   * white border of {@code border} pixels.
   */
  public static Placed pictureInPicture(
      BufferedImage background, BufferedImage photo, double widthShare, int border) {
    BufferedImage out =
        SyntheticImages.solid(background.getWidth(), background.getHeight(), Color.BLACK);
    Graphics2D g = graphics(out);
    g.drawImage(background, 0, 0, null);
    int w = (int) Math.round(background.getWidth() * widthShare);
    int h = Math.round((float) photo.getHeight() * w / photo.getWidth());
    int margin = background.getWidth() / 20;
    Rectangle box = new Rectangle(
        background.getWidth() - margin - w, background.getHeight() - margin - h, w, h);
    g.setColor(Color.WHITE);
    g.fillRect(box.x - border, box.y - border, w + 2 * border, h + 2 * border);
    g.drawImage(SyntheticImages.resize(photo, w, h), box.x, box.y, null);
    g.dispose();
    return new Placed(out, box);
  }

  /**
   * {@code photo} shown full screen on a monitor (a dark bezel around it) photographed at an angle on a blurred desk,
   * in a {@code width} × {@code height} camera frame: a perspective with the screen's corners at {@code xs}, {@code
   * ys} (top left, top right, bottom right, bottom left). The box is the bounding box of the photo's corners.
   */
  public static Placed photographedScreen(
      BufferedImage photo, BufferedImage desk, int width, int height, double[] xs, double[] ys) {
    BufferedImage out = SyntheticImages.resize(desk, width, height);
    int bezel = Math.max(4, photo.getWidth() / 30);
    BufferedImage monitor = SyntheticImages.solid(
        photo.getWidth() + 2 * bezel, photo.getHeight() + 2 * bezel, new Color(18, 18, 20));
    Graphics2D g = graphics(monitor);
    g.drawImage(photo, bezel, bezel, null);
    g.dispose();
    double[] toMonitor = homography(xs, ys, monitor.getWidth(), monitor.getHeight());
    int x0 = (int) Math.floor(Math.max(0, min(xs)));
    int y0 = (int) Math.floor(Math.max(0, min(ys)));
    int x1 = (int) Math.ceil(Math.min(width - 1, max(xs)));
    int y1 = (int) Math.ceil(Math.min(height - 1, max(ys)));
    for (int y = y0; y <= y1; y++) {
      for (int x = x0; x <= x1; x++) {
        double d = toMonitor[6] * x + toMonitor[7] * y + 1;
        double u = (toMonitor[0] * x + toMonitor[1] * y + toMonitor[2]) / d;
        double v = (toMonitor[3] * x + toMonitor[4] * y + toMonitor[5]) / d;
        if (u >= 0 && v >= 0 && u < monitor.getWidth() - 1 && v < monitor.getHeight() - 1) {
          out.setRGB(x, y, bilinear(monitor, u, v));
        }
      }
    }
    // where the photo's own corners land: the monitor's mapping, at the photo's corners inside the
    // bezel
    double[] toUpload = homography(
        new double[] {0, monitor.getWidth(), monitor.getWidth(), 0},
        new double[] {0, 0, monitor.getHeight(), monitor.getHeight()},
        xs,
        ys);
    double minX = Double.MAX_VALUE;
    double minY = Double.MAX_VALUE;
    double maxX = -Double.MAX_VALUE;
    double maxY = -Double.MAX_VALUE;
    for (double[] corner : new double[][] {
      {bezel, bezel},
      {bezel + photo.getWidth(), bezel},
      {bezel + photo.getWidth(), bezel + photo.getHeight()},
      {bezel, bezel + photo.getHeight()}
    }) {
      double d = toUpload[6] * corner[0] + toUpload[7] * corner[1] + 1;
      double u = (toUpload[0] * corner[0] + toUpload[1] * corner[1] + toUpload[2]) / d;
      double v = (toUpload[3] * corner[0] + toUpload[4] * corner[1] + toUpload[5]) / d;
      minX = Math.min(minX, u);
      minY = Math.min(minY, v);
      maxX = Math.max(maxX, u);
      maxY = Math.max(maxY, v);
    }
    Rectangle box = new Rectangle(
        (int) Math.floor(minX), (int) Math.floor(minY), (int) Math.ceil(maxX - minX), (int)
            Math.ceil(maxY - minY));
    return new Placed(out, box);
  }

  /**
   * The perspective mapping (h00, h01, h02, h10, h11, h12, h20, h21; h22 = 1) that takes the quadrilateral {@code xs},
   * {@code ys} onto the rectangle {@code width} × {@code height}, corners in the same order.
   */
  private static double[] homography(double[] xs, double[] ys, int width, int height) {
    return homography(
        xs, ys, new double[] {0, width, width, 0}, new double[] {0, 0, height, height});
  }

  /** The perspective mapping taking the four points (xs, ys) to (us, vs), solved by Gaussian elimination. */
  private static double[] homography(double[] xs, double[] ys, double[] us, double[] vs) {
    double[][] a = new double[8][9];
    for (int i = 0; i < 4; i++) {
      a[2 * i] = new double[] {xs[i], ys[i], 1, 0, 0, 0, -us[i] * xs[i], -us[i] * ys[i], us[i]};
      a[2 * i + 1] = new double[] {0, 0, 0, xs[i], ys[i], 1, -vs[i] * xs[i], -vs[i] * ys[i], vs[i]};
    }
    for (int column = 0; column < 8; column++) {
      int pivot = column;
      for (int row = column + 1; row < 8; row++) {
        if (Math.abs(a[row][column]) > Math.abs(a[pivot][column])) {
          pivot = row;
        }
      }
      double[] swap = a[column];
      a[column] = a[pivot];
      a[pivot] = swap;
      for (int row = 0; row < 8; row++) {
        if (row != column) {
          double factor = a[row][column] / a[column][column];
          for (int k = column; k < 9; k++) {
            a[row][k] -= factor * a[column][k];
          }
        }
      }
    }
    double[] h = new double[8];
    for (int i = 0; i < 8; i++) {
      h[i] = a[i][8] / a[i][i];
    }
    return h;
  }

  private static int bilinear(BufferedImage image, double u, double v) {
    int x = (int) u;
    int y = (int) v;
    double fx = u - x;
    double fy = v - y;
    int[] corners = {
      image.getRGB(x, y), image.getRGB(x + 1, y), image.getRGB(x, y + 1), image.getRGB(x + 1, y + 1)
    };
    int rgb = 0;
    for (int shift = 0; shift <= 16; shift += 8) {
      double top = (1 - fx) * ((corners[0] >> shift) & 0xFF) + fx * ((corners[1] >> shift) & 0xFF);
      double bottom =
          (1 - fx) * ((corners[2] >> shift) & 0xFF) + fx * ((corners[3] >> shift) & 0xFF);
      rgb |= ((int) Math.round((1 - fy) * top + fy * bottom)) << shift;
    }
    return rgb;
  }

  private static double min(double[] values) {
    return java.util.Arrays.stream(values).min().orElseThrow();
  }

  private static double max(double[] values) {
    return java.util.Arrays.stream(values).max().orElseThrow();
  }

  /** Avatar, name and handle; returns the y below the header. */
  private static int postHeader(Graphics2D g, Random random, int x0, int top, int unit) {
    g.setColor(new Color(random.nextInt(0xFFFFFF)));
    g.fillOval(x0 + unit / 2, top + unit / 2, 2 * unit, 2 * unit);
    g.setColor(INK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, unit * 3 / 4));
    g.drawString(
        WORDS[random.nextInt(WORDS.length)] + "_" + WORDS[random.nextInt(WORDS.length)],
        x0 + 3 * unit,
        top + unit * 3 / 2);
    g.setColor(MUTED);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, unit * 3 / 5));
    g.drawString(
        "@" + WORDS[random.nextInt(WORDS.length)] + random.nextInt(100) + " · "
            + (1 + random.nextInt(23)) + "h",
        x0 + 3 * unit,
        top + unit * 5 / 2);
    return top + 3 * unit;
  }

  private static String caption(Random random, int words) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < words; i++) {
      text.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
    }
    return text.toString().toUpperCase(Locale.ROOT);
  }

  /** {@code text} centred on {@code width}, its font shrunk until it fits, as meme generators do. */
  private static void centred(Graphics2D g, String text, int width, int baseline) {
    Font font = g.getFont();
    while (g.getFontMetrics(font).stringWidth(text) > width * 0.94 && font.getSize() > 8) {
      font = font.deriveFont(font.getSize2D() - 1);
    }
    g.setFont(font);
    FontMetrics metrics = g.getFontMetrics();
    g.drawString(text, Math.max(0, (width - metrics.stringWidth(text)) / 2), baseline);
  }

  /** The centred square of {@code image}, resized to {@code side}. */
  private static BufferedImage squareCrop(BufferedImage image, int side) {
    int s = Math.min(image.getWidth(), image.getHeight());
    BufferedImage square =
        image.getSubimage((image.getWidth() - s) / 2, (image.getHeight() - s) / 2, s, s);
    return SyntheticImages.resize(square, side, side);
  }

  private static Graphics2D graphics(BufferedImage image) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    return g;
  }
}
