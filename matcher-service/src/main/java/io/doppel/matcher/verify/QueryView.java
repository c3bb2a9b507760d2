package io.doppel.matcher.verify;

import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.schemas.avro.FeatureView;
import io.doppel.schemas.avro.Keypoint;
import io.doppel.schemas.avro.ViewKind;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One view of a query image as the verifier sees it: keypoints in the view's own pixel
 * coordinates, and where the view lies in the original image (so regions can be reported there).
 *
 * @param imageWidth width of the original image in pixels
 * @param imageHeight height of the original image in pixels
 * @param regionX left edge of the view in the original image (tiles); 0 for FULL and MIRROR
 * @param regionY top edge of the view in the original image (tiles); 0 for FULL and MIRROR
 * @param width view width in pixels
 * @param height view height in pixels
 */
public record QueryView(
    ViewKind kind,
    int imageWidth,
    int imageHeight,
    int regionX,
    int regionY,
    int width,
    int height,
    float[] global,
    StoredKeypoints keypoints) {

  public QueryView {
    if (width <= 0 || height <= 0 || imageWidth <= 0 || imageHeight <= 0) {
      throw new IllegalArgumentException("view and image sizes must be positive: view " + width
          + "x" + height + ", image " + imageWidth + "x" + imageHeight);
    }
  }

  /** Reads a view of an ImageFeatures record; rejects inconsistent keypoint and descriptor arrays. */
  public static QueryView of(FeatureView view, int imageWidth, int imageHeight) {
    List<Keypoint> points = view.getKeypoints();
    float[] xs = new float[points.size()];
    float[] ys = new float[points.size()];
    for (int i = 0; i < points.size(); i++) {
      xs[i] = points.get(i).getX();
      ys[i] = points.get(i).getY();
    }
    ByteBuffer buffer = view.getDescriptors().duplicate();
    byte[] descriptors = new byte[buffer.remaining()];
    buffer.get(descriptors);
    float[] global = new float[view.getGlobal().size()];
    for (int i = 0; i < global.length; i++) {
      global[i] = view.getGlobal().get(i);
    }
    var region = view.getRegion();
    return new QueryView(
        view.getKind(),
        imageWidth,
        imageHeight,
        region.getX(),
        region.getY(),
        region.getWidth(),
        region.getHeight(),
        global,
        new StoredKeypoints(xs, ys, descriptors, view.getDescriptorBytes()));
  }

  /**
   * Whether this is the extractor's DENSE view: the only REGION covering the whole image (a proposed region covers at
   * most {@code RegionProposer.MAX_AREA_SHARE} of it), described with several times FULL's keypoints.
   */
  public boolean isDense() {
    return kind == ViewKind.REGION
        && regionX == 0
        && regionY == 0
        && width == imageWidth
        && height == imageHeight;
  }

  /**
   * The kind a verification through this view reports: the DENSE view's is FULL's, since it is the whole image,
   * unmirrored, and a copy it verified was not found inside a sub-picture ({@code GeometricVerifierTest}).
   */
  public ViewKind reportedKind() {
    return isDense() ? ViewKind.FULL : kind;
  }

  /** Maps a point in view pixels to normalised coordinates of the original image (undoes mirror, adds tile offset). */
  public RegionPoint toImage(double viewX, double viewY) {
    double x = kind == ViewKind.MIRROR ? width - viewX : viewX;
    return new RegionPoint((regionX + x) / imageWidth, (regionY + viewY) / imageHeight);
  }
}
