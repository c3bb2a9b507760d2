package io.doppel.matcher.testing;

import io.doppel.matcher.verify.OpenCvRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Point;
import org.opencv.core.Rect;
import org.opencv.core.Scalar;
import org.opencv.core.Size;
import org.opencv.imgcodecs.Imgcodecs;
import org.opencv.imgproc.Imgproc;

/** Generated and DEV images for tests, as OpenCV BGR mats. */
public final class TestImages {

  private static final int SHAPES = 160;

  private TestImages() {}

  /** A seeded texture of random filled rectangles, circles and lines: rich in ORB corners, unique per seed. */
  public static Mat texture(long seed, int width, int height) {
    OpenCvRuntime.ensureLoaded();
    Random random = new Random(seed);
    Mat image = new Mat(height, width, CvType.CV_8UC3, new Scalar(random.nextInt(256), random.nextInt(256), random.nextInt(256)));
    for (int i = 0; i < SHAPES; i++) {
      Scalar colour = new Scalar(random.nextInt(256), random.nextInt(256), random.nextInt(256));
      Point a = new Point(random.nextInt(width), random.nextInt(height));
      Point b = new Point(a.x + random.nextInt(width / 5) + 5, a.y + random.nextInt(height / 5) + 5);
      switch (random.nextInt(3)) {
        case 0 -> Imgproc.rectangle(image, a, b, colour, -1);
        case 1 -> Imgproc.circle(image, a, random.nextInt(Math.min(width, height) / 10) + 3, colour, -1);
        default -> Imgproc.line(image, a, b, colour, random.nextInt(4) + 1);
      }
    }
    return image;
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
    Mat rotation = Imgproc.getRotationMatrix2D(new Point(image.cols() / 2.0, image.rows() / 2.0), degrees, 1.0);
    Mat rotated = new Mat();
    Imgproc.warpAffine(image, rotated, rotation, image.size(), Imgproc.INTER_LINEAR, Core.BORDER_REFLECT);
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
      if (Files.isDirectory(candidate.resolve("refs")) && Files.isRegularFile(candidate.resolve("ground_truth.csv"))) {
        return candidate;
      }
    }
    return null;
  }
}
