package io.doppel.matcher.testing;

import io.doppel.image.OpenCvRuntime;
import io.doppel.testing.SyntheticImages;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.file.Files;
import java.nio.file.Path;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/**
 * The matcher tests' images as OpenCV BGR mats: {@link SyntheticImages}' textures converted pixel for pixel, the
 * operations the tests apply to mats (crop, mirror, resize, rotate, tall strip), and DEV images.
 */
public final class TestMats {

  private TestMats() {}

  /** {@code image}'s pixels as a CV_8UC3 BGR mat (the byte order of {@code TYPE_3BYTE_BGR}). */
  public static Mat of(BufferedImage image) {
    OpenCvRuntime.ensureLoaded();
    int width = image.getWidth();
    int height = image.getHeight();
    BufferedImage bgr = image;
    byte[] bytes = image.getType() == BufferedImage.TYPE_3BYTE_BGR
        ? ((DataBufferByte) image.getRaster().getDataBuffer()).getData()
        : null;
    if (bytes == null
        || bytes.length != width * height * 3) { // another type, or a view into a larger raster
      bgr = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
      Graphics2D g = bgr.createGraphics();
      g.drawImage(image, 0, 0, null);
      g.dispose();
      bytes = ((DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
    }
    Mat mat = new Mat(height, width, CvType.CV_8UC3);
    mat.put(0, 0, bytes);
    return mat;
  }

  /** {@link SyntheticImages#texture} as a mat. */
  public static Mat texture(long seed, int width, int height) {
    return of(SyntheticImages.texture(seed, width, height));
  }

  public static Mat crop(Mat image, int x, int y, int width, int height) {
    return new Mat(image, new Rect(x, y, width, height)).clone();
  }

  public static Mat mirror(Mat image) {
    Mat flipped = new Mat();
    Core.flip(image, flipped, 1);
    return flipped;
  }

  public static Mat resize(Mat image, double factor) {
    Mat resized = new Mat();
    Imgproc.resize(image, resized, new Size(), factor, factor, Imgproc.INTER_AREA);
    return resized;
  }

  /** Rotates about the centre by {@code degrees} (counter-clockwise), keeping the size. */
  public static Mat rotate(Mat image, double degrees) {
    Mat rotation = Imgproc.getRotationMatrix2D(
        new Point(image.cols() / 2.0, image.rows() / 2.0), degrees, 1.0);
    Mat rotated = new Mat();
    Imgproc.warpAffine(
        image, rotated, rotation, image.size(), Imgproc.INTER_LINEAR, Core.BORDER_REFLECT);
    return rotated;
  }

  /** Stacks {@code photo} into a tall strip between unrelated fillers, at vertical offset {@code photoTop}. */
  public static Mat tallStrip(Mat photo, int stripHeight, int photoTop, long fillerSeed) {
    Mat strip = texture(fillerSeed, photo.cols(), stripHeight);
    photo.copyTo(new Mat(strip, new Rect(0, photoTop, photo.cols(), photo.rows())));
    return strip;
  }

  public static Mat read(Path file) {
    OpenCvRuntime.ensureLoaded();
    Mat image = Imgcodecs.imread(file.toString(), Imgcodecs.IMREAD_COLOR);
    if (image.empty()) {
      throw new IllegalArgumentException("cannot decode " + file);
    }
    return image;
  }

  /** The DEV evaluation set, or null when this checkout has no {@code ../shared}. */
  public static Path devSet() {
    Path here = Path.of("").toAbsolutePath();
    for (Path dir = here; dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("../shared/eval/dev").normalize();
      if (Files.isDirectory(candidate.resolve("refs"))
          && Files.isRegularFile(candidate.resolve("ground_truth.csv"))) {
        return candidate;
      }
    }
    return null;
  }
}
