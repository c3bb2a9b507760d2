package io.doppel.extractor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.doppel.image.OpenCvRuntime;
import io.doppel.image.decode.BgrImage;
import io.doppel.testing.SyntheticImages;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfPoint2f;
import org.opencv.core.Point;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/** Pictures drawn through a known perspective are found at their corners and seen straight on; others are not. */
class TiltedPictureTest {

  /** Largest distance of a found corner from the truth, in image pixels: about two working pixels at these sizes. */
  private static final double SLACK = 8;

  private static final int PHOTO_WIDTH = 640;
  private static final int PHOTO_HEIGHT = 420;

  @BeforeAll
  static void openCv() {
    OpenCvRuntime.ensureLoaded();
  }

  @Test
  void findsAScreenPhotographedAtAnAngleAndSeesItStraightOn() {
    BufferedImage photo = SyntheticImages.photo(PHOTO_WIDTH, PHOTO_HEIGHT, 3);
    double[] xs = {170, 1010, 1060, 110};
    double[] ys = {120, 175, 760, 810};
    BgrImage upload = onDesk(photo, xs, ys, 1200, 900);

    Optional<TiltedPicture.Quad> found = TiltedPicture.find(upload);

    assertThat(found).isPresent();
    assertCorners(found.get(), xs, ys);
    BgrImage straight = TiltedPicture.rectified(upload, found.get());
    // the true aspect needs the camera's focal length; the sides' averages come within a tenth here
    assertThat((double) straight.width() / straight.height())
        .isCloseTo((double) PHOTO_WIDTH / PHOTO_HEIGHT, withinPercentage(10));
    BgrImage original = BgrImage.of(photo);
    BgrImage unrelated = BgrImage.of(SyntheticImages.photo(PHOTO_WIDTH, PHOTO_HEIGHT, 4));
    double againstOriginal = meanDifference(straight, original);
    assertThat(againstOriginal)
        .as("the straightened picture is the photo (mean channel difference)")
        .isLessThan(18)
        .isLessThan(meanDifference(straight, unrelated) / 2);
  }

  @Test
  void findsASmallPhoneHeldAtAnAngle() {
    // a phone across the table, its dark body around the screen, fills about a ninth of the camera
    // frame
    BufferedImage phone = SyntheticImages.solid(300, 560, new Color(15, 15, 18));
    Graphics2D g = phone.createGraphics();
    g.drawImage(SyntheticImages.photo(270, 500, 12), 15, 30, null);
    g.dispose();
    double[] xs = {520, 800, 830, 540};
    double[] ys = {240, 262, 690, 702};
    BgrImage upload = onDesk(phone, xs, ys, 1200, 900);

    Optional<TiltedPicture.Quad> found = TiltedPicture.find(upload);

    assertThat(found).isPresent();
    assertCorners(found.get(), xs, ys);
  }

  @Test
  void findsAPhotoRotatedInsideAWhiteCanvas() {
    BufferedImage photo = SyntheticImages.photo(PHOTO_WIDTH, PHOTO_HEIGHT, 5);
    double angle = Math.toRadians(14);
    double cx = 450;
    double cy = 400;
    double[] xs = new double[4];
    double[] ys = new double[4];
    double[][] offsets = {
      {-PHOTO_WIDTH / 2.0, -PHOTO_HEIGHT / 2.0},
      {PHOTO_WIDTH / 2.0, -PHOTO_HEIGHT / 2.0},
      {PHOTO_WIDTH / 2.0, PHOTO_HEIGHT / 2.0},
      {-PHOTO_WIDTH / 2.0, PHOTO_HEIGHT / 2.0}
    };
    for (int i = 0; i < 4; i++) {
      xs[i] = cx + offsets[i][0] * Math.cos(angle) - offsets[i][1] * Math.sin(angle);
      ys[i] = cy + offsets[i][0] * Math.sin(angle) + offsets[i][1] * Math.cos(angle);
    }
    BgrImage upload = warpedOnto(photo, xs, ys, SyntheticImages.solid(900, 800, Color.WHITE));

    Optional<TiltedPicture.Quad> found = TiltedPicture.find(upload);

    assertThat(found).isPresent();
    assertCorners(found.get(), xs, ys);
  }

  @Test
  void findsNothingInAPhotoOrAnUprightFrameOrAPictureThatIsTheWholeImage() {
    assertThat(TiltedPicture.find(BgrImage.of(SyntheticImages.photo(1000, 750, 6))))
        .as("a photo with no picture in it")
        .isEmpty();

    BufferedImage framed = SyntheticImages.solid(1000, 800, new Color(30, 30, 30));
    Graphics2D g = framed.createGraphics();
    g.drawImage(SyntheticImages.photo(700, 500, 7), 150, 150, null);
    g.dispose();
    assertThat(TiltedPicture.find(BgrImage.of(framed)))
        .as("an upright picture in a frame: the region proposer's")
        .isEmpty();

    double[] xs = {8, 995, 1000, 0};
    double[] ys = {0, 10, 750, 742};
    BgrImage almostAll = warpedOnto(
        SyntheticImages.photo(1000, 750, 8), xs, ys, SyntheticImages.solid(1000, 750, Color.BLACK));
    assertThat(TiltedPicture.find(almostAll))
        .as("the image itself, barely turned")
        .isEmpty();
    assertThat(TiltedPicture.find(new BgrImage(1, 1, new byte[3]))).isEmpty();
    assertThat(TiltedPicture.find(BgrImage.of(SyntheticImages.photo(3, 500, 9))))
        .isEmpty();
  }

  private static void assertCorners(TiltedPicture.Quad quad, double[] xs, double[] ys) {
    for (int i = 0; i < 4; i++) {
      assertThat(Math.hypot(quad.xs()[i] - xs[i], quad.ys()[i] - ys[i]))
          .as(
              "corner %d at (%.0f, %.0f), found (%.0f, %.0f)",
              i, xs[i], ys[i], quad.xs()[i], quad.ys()[i])
          .isLessThan(SLACK);
    }
  }

  /** {@code photo} warped onto a blurred, dimmed desk of another photo, through the corners given. */
  static BgrImage onDesk(BufferedImage photo, double[] xs, double[] ys, int width, int height) {
    BgrImage desk = BgrImage.of(SyntheticImages.photo(width, height, 11));
    Mat mat = mat(desk);
    Imgproc.GaussianBlur(mat, mat, new Size(41, 41), 0);
    mat.convertTo(mat, -1, 0.5, 0);
    return warpedOnto(photo, xs, ys, image(mat));
  }

  private static BgrImage warpedOnto(
      BufferedImage photo, double[] xs, double[] ys, BufferedImage background) {
    return warpedOnto(photo, xs, ys, BgrImage.of(background));
  }

  private static BgrImage warpedOnto(
      BufferedImage photo, double[] xs, double[] ys, BgrImage background) {
    Mat source = mat(BgrImage.of(photo));
    Mat canvas = mat(background);
    Mat homography = Imgproc.getPerspectiveTransform(
        new MatOfPoint2f(
            new Point(0, 0),
            new Point(photo.getWidth(), 0),
            new Point(photo.getWidth(), photo.getHeight()),
            new Point(0, photo.getHeight())),
        new MatOfPoint2f(
            new Point(xs[0], ys[0]),
            new Point(xs[1], ys[1]),
            new Point(xs[2], ys[2]),
            new Point(xs[3], ys[3])));
    Imgproc.warpPerspective(
        source, canvas, homography, canvas.size(), Imgproc.INTER_LINEAR, Core.BORDER_TRANSPARENT);
    return image(canvas);
  }

  /** Mean absolute channel difference once {@code b} is resized to {@code a}'s size. */
  private static double meanDifference(BgrImage a, BgrImage b) {
    Mat resized = new Mat();
    Imgproc.resize(mat(b), resized, new Size(a.width(), a.height()), 0, 0, Imgproc.INTER_AREA);
    Mat difference = new Mat();
    Core.absdiff(mat(a), resized, difference);
    org.opencv.core.Scalar mean = Core.mean(difference);
    return (mean.val[0] + mean.val[1] + mean.val[2]) / 3;
  }

  private static Mat mat(BgrImage image) {
    Mat mat = new Mat(image.height(), image.width(), CvType.CV_8UC3);
    mat.put(0, 0, image.bgr());
    return mat;
  }

  private static BgrImage image(Mat mat) {
    byte[] bgr = new byte[(int) (mat.total() * mat.channels())];
    mat.get(0, 0, bgr);
    return new BgrImage(mat.cols(), mat.rows(), bgr);
  }
}
