package io.doppel.testing;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * The tests' synthetic images, all {@code TYPE_3BYTE_BGR}: a seeded texture full of corners and edges (ORB needs them),
 * and the copies the pipeline must find (mirror, crop, rescale, inside a tall strip), built in memory.
 *
 * <p>The same seed and size give the same pixels (guarded by {@code SyntheticImagesTest}): standalone's end-to-end
 * tests and the extractor's and matcher's feature tests assert on what ORB and the verifier find in them.
 */
public final class SyntheticImages {

  private static final int SHAPES = 180;

  private SyntheticImages() {}

  /** A photo-like image of {@value #SHAPES} random shapes and strokes, the same for the same seed and size. */
  public static BufferedImage texture(long seed, int width, int height) {
    Random random = new Random(seed);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(new Color(random.nextInt(0xFFFFFF)));
    g.fillRect(0, 0, width, height);
    for (int i = 0; i < SHAPES; i++) {
      g.setColor(new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
      int x = random.nextInt(width);
      int y = random.nextInt(height);
      // max(1, ...) only matters below 5 pixels a side; larger images draw exactly as without it
      int w = 8 + random.nextInt(Math.max(1, width / 5));
      int h = 8 + random.nextInt(Math.max(1, height / 5));
      switch (random.nextInt(4)) {
        case 0 -> g.fillRect(x, y, w, h);
        case 1 -> g.fillOval(x, y, w, h);
        case 2 -> {
          g.setStroke(new BasicStroke(1 + random.nextInt(4)));
          g.drawLine(x, y, x + w - random.nextInt(2 * w), y + h - random.nextInt(2 * h));
        }
        default ->
          g.fillPolygon(
              new int[] {x, x + w, x + random.nextInt(w + 1)},
              new int[] {y, y + random.nextInt(h + 1), y + h},
              3);
      }
    }
    g.dispose();
    return image;
  }

  /**
   * {@code image} with seeded grain of up to {@code amplitude} per channel, as a camera leaves it: the texture's flat
   * fill has rows of one colour, which a photo almost never has and layout analysis takes for gutters.
   */
  public static BufferedImage grain(BufferedImage image, int amplitude, long seed) {
    BufferedImage out = copy(image);
    int[] noise = new Random(seed)
        .ints(3L * out.getWidth() * out.getHeight(), -amplitude, amplitude + 1)
        .toArray();
    int n = 0;
    for (int y = 0; y < out.getHeight(); y++) {
      for (int x = 0; x < out.getWidth(); x++) {
        int rgb = out.getRGB(x, y);
        int r = Math.clamp(((rgb >> 16) & 0xFF) + noise[n++], 0, 255);
        int g = Math.clamp(((rgb >> 8) & 0xFF) + noise[n++], 0, 255);
        int b = Math.clamp((rgb & 0xFF) + noise[n++], 0, 255);
        out.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return out;
  }

  /**
   * A photo-like picture, different for each seed: a background shaded in both directions, many shaded shapes of all
   * sizes, and sensor noise, so that no row or column of it is uniform.
   */
  public static BufferedImage photo(int width, int height, long seed) {
    Random random = new Random(seed);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setPaint(new GradientPaint(0, 0, randomColour(random), width, height, randomColour(random)));
    g.fillRect(0, 0, width, height);
    for (int i = 0; i < 120; i++) {
      int x = random.nextInt(width) - width / 10;
      int y = random.nextInt(height) - height / 10;
      int w = 6 + random.nextInt(Math.max(1, i < 20 ? width / 2 : width / 6));
      int h = 6 + random.nextInt(Math.max(1, i < 20 ? height / 2 : height / 6));
      g.setPaint(new GradientPaint(x, y, randomColour(random), x + w, y + h, randomColour(random)));
      if (random.nextBoolean()) {
        g.fillOval(x, y, w, h);
      } else {
        // tilted quadrilaterals: photos rarely hold straight, axis-aligned rectangles
        g.fillPolygon(
            new int[] {x, x + w, x + w - random.nextInt(w / 2 + 1), x + random.nextInt(w / 2 + 1)},
            new int[] {y + random.nextInt(h / 3 + 1), y, y + h, y + h - random.nextInt(h / 3 + 1)},
            4);
      }
    }
    g.dispose();
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int rgb = image.getRGB(x, y);
        int noise = (int) Math.round(random.nextGaussian() * 10);
        int r = Math.clamp(((rgb >> 16) & 0xFF) + noise, 0, 255);
        int gr = Math.clamp(((rgb >> 8) & 0xFF) + noise, 0, 255);
        int b = Math.clamp((rgb & 0xFF) + noise, 0, 255);
        image.setRGB(x, y, (r << 16) | (gr << 8) | b);
      }
    }
    return image;
  }

  private static Color randomColour(Random random) {
    return new Color(random.nextInt(256), random.nextInt(256), random.nextInt(256));
  }

  /** One colour everywhere: no corners at all. */
  public static BufferedImage solid(int width, int height, Color colour) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = image.createGraphics();
    g.setColor(colour);
    g.fillRect(0, 0, width, height);
    g.dispose();
    return image;
  }

  /** Left and right swapped. */
  public static BufferedImage mirror(BufferedImage image) {
    BufferedImage out =
        new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    g.drawImage(image, image.getWidth(), 0, -image.getWidth(), image.getHeight(), null);
    g.dispose();
    return out;
  }

  /** The centred-ish region that keeps {@code 1 - removedShare} of the area (same aspect ratio). */
  public static BufferedImage crop(BufferedImage image, double removedShare) {
    double side = Math.sqrt(1 - removedShare);
    int w = (int) Math.round(image.getWidth() * side);
    int h = (int) Math.round(image.getHeight() * side);
    int x = (image.getWidth() - w) / 3;
    int y = (image.getHeight() - h) / 2;
    return copy(image.getSubimage(x, y, w, h));
  }

  /** Both sides times {@code factor}, bilinear. */
  public static BufferedImage scale(BufferedImage image, double factor) {
    return resize(image, (int) Math.round(image.getWidth() * factor), (int)
        Math.round(image.getHeight() * factor));
  }

  /** Resized to {@code width} × {@code height}, bilinear. */
  public static BufferedImage resize(BufferedImage image, int width, int height) {
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(image, 0, 0, width, height, null);
    g.dispose();
    return out;
  }

  /** A webtoon-like strip {@code stripHeight} tall: a filler texture, and {@code photo} at {@code photoTop}. */
  public static BufferedImage tallStrip(
      BufferedImage photo, int stripHeight, int photoTop, long fillerSeed) {
    BufferedImage strip =
        new BufferedImage(photo.getWidth(), stripHeight, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = strip.createGraphics();
    g.drawImage(texture(fillerSeed, photo.getWidth(), stripHeight), 0, 0, null);
    g.drawImage(photo, 0, photoTop, null);
    g.dispose();
    return strip;
  }

  /** An image file ImageIO reads, as {@code TYPE_3BYTE_BGR}. */
  public static BufferedImage read(Path file) {
    try {
      BufferedImage image = ImageIO.read(file.toFile());
      if (image == null) {
        throw new IllegalArgumentException("not an image ImageIO reads: " + file);
      }
      return copy(image);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /** Writes a PNG (lossless: the copies differ from the original only by the transformation). */
  public static Path writePng(BufferedImage image, Path file) {
    try {
      ImageIO.write(image, "png", file.toFile());
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private static BufferedImage copy(BufferedImage image) {
    BufferedImage out =
        new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    g.drawImage(image, 0, 0, null);
    g.dispose();
    return out;
  }
}
