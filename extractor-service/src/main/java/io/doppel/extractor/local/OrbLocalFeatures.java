package io.doppel.extractor.local;

import io.doppel.extractor.OpenCvRuntime;
import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.decode.BgrImage;
import io.doppel.schemas.avro.Keypoint;
import java.util.ArrayList;
import java.util.List;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.MatOfKeyPoint;
import org.opencv.core.Size;
import org.opencv.features2d.ORB;
import org.opencv.imgproc.Imgproc;

/**
 * ORB keypoints with 256-bit descriptors, computed on a copy shrunk so its longer side is at most
 * the working size, spread over the view by {@link GridSelector}, with positions and sizes mapped
 * back to the view's own pixels. Thread-safe (a detector per call; they are cheap).
 */
public final class OrbLocalFeatures {

  public static final String NAME = "orb-256";
  public static final int DESCRIPTOR_BYTES = 32;
  /** Detect more than needed so the grid has strong candidates in every cell. */
  private static final int CANDIDATES_PER_KEPT = 3;
  private static final float PYRAMID_SCALE = 1.2f;
  private static final int PYRAMID_LEVELS = 8;
  private static final int EDGE_THRESHOLD = 31;
  private static final int PATCH_SIZE = 31;
  private static final int FAST_THRESHOLD = 12;
  private static final int WTA_K = 2;

  private final int workingSize;
  private final double maxUpscale;
  private final int gridCells;

  public OrbLocalFeatures(ExtractorConfig.Local config) {
    OpenCvRuntime.ensureLoaded();
    this.workingSize = config.workingSize();
    this.maxUpscale = config.maxUpscale();
    this.gridCells = config.gridCells();
  }

  public LocalFeatures describe(BgrImage view, int maxKeypoints) {
    if (maxKeypoints == 0) {
      return LocalFeatures.none(DESCRIPTOR_BYTES);
    }
    // small images are enlarged (up to maxUpscale) so that ORB's pyramid, which only shrinks, reaches the scales of a larger original
    double scale = Math.min(maxUpscale, (double) workingSize / Math.max(view.width(), view.height()));
    int w = Math.max(1, (int) Math.round(view.width() * scale));
    int h = Math.max(1, (int) Math.round(view.height() * scale));
    if (Math.min(w, h) <= 2 * EDGE_THRESHOLD) {
      // ORB keeps no keypoint within EDGE_THRESHOLD of a border, so there can be none; and its
      // pyramid fails an OpenCV assertion on a side that rounds to 0 (a 1-pixel-high image).
      return LocalFeatures.none(DESCRIPTOR_BYTES);
    }
    Mat colour = new Mat(view.height(), view.width(), CvType.CV_8UC3);
    Mat small = new Mat();
    Mat grey = new Mat();
    MatOfKeyPoint detected = new MatOfKeyPoint();
    MatOfKeyPoint chosen = new MatOfKeyPoint();
    Mat descriptors = new Mat();
    try {
      colour.put(0, 0, view.bgr());
      if (scale != 1.0) {
        Imgproc.resize(colour, small, new Size(w, h), 0, 0, scale < 1.0 ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR);
      } else {
        colour.copyTo(small);
      }
      Imgproc.cvtColor(small, grey, Imgproc.COLOR_BGR2GRAY);
      ORB orb = ORB.create(maxKeypoints * CANDIDATES_PER_KEPT, PYRAMID_SCALE, PYRAMID_LEVELS, EDGE_THRESHOLD, 0, WTA_K,
          ORB.HARRIS_SCORE, PATCH_SIZE, FAST_THRESHOLD);
      orb.detect(grey, detected);
      var selected = GridSelector.select(detected.toArray(), w, h, gridCells, maxKeypoints);
      if (selected.isEmpty()) {
        return LocalFeatures.none(DESCRIPTOR_BYTES);
      }
      chosen.fromList(selected);
      orb.compute(grey, chosen, descriptors);
      var kept = chosen.toArray();
      if (kept.length == 0 || descriptors.rows() != kept.length) {
        return LocalFeatures.none(DESCRIPTOR_BYTES);
      }
      byte[] bytes = new byte[kept.length * DESCRIPTOR_BYTES];
      descriptors.get(0, 0, bytes);
      List<Keypoint> keypoints = new ArrayList<>(kept.length);
      double back = 1.0 / scale;
      for (var k : kept) {
        keypoints.add(new Keypoint((float) (k.pt.x * back), (float) (k.pt.y * back), (float) (k.size * back), k.angle, k.response));
      }
      return new LocalFeatures(keypoints, bytes, DESCRIPTOR_BYTES);
    } finally {
      colour.release();
      small.release();
      grey.release();
      detected.release();
      chosen.release();
      descriptors.release();
    }
  }
}
