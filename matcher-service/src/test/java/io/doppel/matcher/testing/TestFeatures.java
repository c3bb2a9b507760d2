package io.doppel.matcher.testing;

import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.verify.QueryView;
import io.doppel.schemas.avro.Box;
import io.doppel.schemas.avro.FeatureView;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Keypoint;
import io.doppel.schemas.avro.Metric;
import io.doppel.schemas.avro.ModelInfo;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.ViewKind;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.opencv.core.Core;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfKeyPoint;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.features2d.ORB;
import org.opencv.imgproc.Imgproc;

/**
 * Builds ImageFeatures the way the extractor does, with OpenCV ORB keypoints and a tiny stand-in
 * global descriptor (a normalised grey thumbnail), since the real extractor lives in another module.
 */
public final class TestFeatures {

  public static final int ORB_KEYPOINTS = 500;
  public static final int DESCRIPTOR_BYTES = 32;
  private static final int THUMBNAIL = 16;
  /** Images taller than this many widths are also described per square tile, half-overlapping. */
  private static final double TALL_ASPECT = 2.0;

  private TestFeatures() {}

  public static ImageFeatures features(String tenant, String imageId, Purpose purpose, Mat image) {
    return features(
        tenant,
        imageId,
        purpose,
        image,
        null,
        null,
        Instant.parse("2026-11-01T00:00:00Z").toEpochMilli());
  }

  public static ImageFeatures features(
      String tenant,
      String imageId,
      Purpose purpose,
      Mat image,
      String rightsHolder,
      String referenceSet,
      long uploadedAt) {
    List<FeatureView> views = new ArrayList<>();
    views.add(view(ViewKind.FULL, image, new Rect(0, 0, image.cols(), image.rows())));
    views.add(
        view(ViewKind.MIRROR, TestMats.mirror(image), new Rect(0, 0, image.cols(), image.rows())));
    if (image.rows() > TALL_ASPECT * image.cols()) {
      int side = image.cols();
      for (int top = 0; top < image.rows(); top += side / 2) {
        int height = Math.min(side, image.rows() - top);
        Rect tile = new Rect(0, top, side, height);
        views.add(view(ViewKind.TILE, new Mat(image, tile), tile));
        if (top + height >= image.rows()) {
          break;
        }
      }
    }
    return ImageFeatures.newBuilder()
        .setTenant(tenant)
        .setImageId(imageId)
        .setPurpose(purpose)
        .setUploader("uploader-of-" + imageId)
        .setRightsHolder(rightsHolder)
        .setReferenceSet(referenceSet)
        .setUploadedAt(Instant.ofEpochMilli(uploadedAt))
        .setWidth(image.cols())
        .setHeight(image.rows())
        .setFormat("png")
        .setModel(new ModelInfo("test-thumbnail", "1", THUMBNAIL * THUMBNAIL, Metric.COSINE))
        .setLocalExtractor("orb-256")
        .setViews(views)
        .setStageMicros(Map.of("decode", 10L, "local", 20L))
        .setExtractedAt(Instant.ofEpochMilli(uploadedAt))
        .build();
  }

  /** {@code features} plus a global-only CROP view of {@code region} of {@code image}, as the extractor adds them. */
  public static ImageFeatures withCrop(ImageFeatures features, Mat image, Rect region) {
    FeatureView crop = FeatureView.newBuilder(view(ViewKind.CROP, new Mat(image, region), region))
        .setKeypoints(List.of())
        .setDescriptors(ByteBuffer.wrap(new byte[0]))
        .build();
    List<FeatureView> views = new ArrayList<>(features.getViews());
    views.add(crop);
    return ImageFeatures.newBuilder(features).setViews(views).build();
  }

  /** {@code features} plus a REGION view of {@code region} of {@code image} with its keypoints, as the extractor adds them. */
  public static ImageFeatures withRegion(ImageFeatures features, Mat image, Rect region) {
    List<FeatureView> views = new ArrayList<>(features.getViews());
    views.add(view(ViewKind.REGION, new Mat(image, region), region));
    return ImageFeatures.newBuilder(features).setViews(views).build();
  }

  /**
   * A view of the whole of {@code image}, as the extractor describes it. As a REGION it is the DENSE view the extractor
   * adds to uploads (the whole image again, with more keypoints).
   */
  public static FeatureView wholeImageView(ViewKind kind, Mat image) {
    return view(kind, image, new Rect(0, 0, image.cols(), image.rows()));
  }

  public static ImageFeatures delete(String tenant, String imageId) {
    return ImageFeatures.newBuilder()
        .setTenant(tenant)
        .setImageId(imageId)
        .setPurpose(Purpose.DELETE)
        .setUploadedAt(Instant.parse("2026-11-01T00:00:00Z"))
        .setWidth(0)
        .setHeight(0)
        .setFormat("none")
        .setModel(new ModelInfo("test-thumbnail", "1", THUMBNAIL * THUMBNAIL, Metric.COSINE))
        .setLocalExtractor("orb-256")
        .setViews(List.of())
        .setExtractedAt(Instant.parse("2026-11-01T00:00:00Z"))
        .build();
  }

  public static QueryView queryView(ViewKind kind, Mat image) {
    Mat viewImage = kind == ViewKind.MIRROR ? TestMats.mirror(image) : image;
    FeatureView view = view(kind, viewImage, new Rect(0, 0, image.cols(), image.rows()));
    return QueryView.of(view, image.cols(), image.rows());
  }

  public static StoredKeypoints keypoints(Mat image) {
    FeatureView view = view(ViewKind.FULL, image, new Rect(0, 0, image.cols(), image.rows()));
    return QueryView.of(view, image.cols(), image.rows()).keypoints();
  }

  private static FeatureView view(ViewKind kind, Mat image, Rect region) {
    Mat grey = new Mat();
    Imgproc.cvtColor(image, grey, Imgproc.COLOR_BGR2GRAY);
    MatOfKeyPoint keypoints = new MatOfKeyPoint();
    Mat descriptors = new Mat();
    ORB.create(ORB_KEYPOINTS).detectAndCompute(grey, new Mat(), keypoints, descriptors);
    List<Keypoint> points = new ArrayList<>();
    for (var k : keypoints.toArray()) {
      points.add(new Keypoint((float) k.pt.x, (float) k.pt.y, k.size, k.angle, k.response));
    }
    byte[] bytes = new byte[(int) (descriptors.total() * descriptors.channels())];
    if (bytes.length > 0) {
      descriptors.get(0, 0, bytes);
    }
    return FeatureView.newBuilder()
        .setKind(kind)
        .setRegion(new Box(region.x, region.y, region.width, region.height))
        .setGlobal(thumbnail(grey))
        .setKeypoints(points)
        .setDescriptors(ByteBuffer.wrap(bytes))
        .setDescriptorBytes(DESCRIPTOR_BYTES)
        .build();
  }

  private static List<Float> thumbnail(Mat grey) {
    Mat small = new Mat();
    Imgproc.resize(grey, small, new Size(THUMBNAIL, THUMBNAIL), 0, 0, Imgproc.INTER_AREA);
    small.convertTo(small, CvType.CV_32F);
    float[] values = new float[THUMBNAIL * THUMBNAIL];
    small.get(0, 0, values);
    double mean = Core.mean(small).val[0];
    double norm = 0;
    for (int i = 0; i < values.length; i++) {
      values[i] -= (float) mean;
      norm += values[i] * values[i];
    }
    List<Float> out = new ArrayList<>(values.length);
    double scale = norm == 0 ? 0 : 1 / Math.sqrt(norm);
    for (float v : values) {
      out.add((float) (v * scale));
    }
    return out;
  }
}
