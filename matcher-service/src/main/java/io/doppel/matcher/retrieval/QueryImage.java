package io.doppel.matcher.retrieval;

import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.verify.QueryView;
import io.doppel.schemas.avro.FeatureView;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ViewKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * An ImageFeatures record checked and turned into what retrieval and verification use: its views
 * (FULL first, then MIRROR, then TILEs, then global-only CROPs, then REGIONs) and, per view, its strongest descriptors.
 */
record QueryImage(
    ImageRef ref,
    ImageFeatures features,
    List<QueryView> views,
    List<List<byte[]>> strongestDescriptors) {

  /** Cells per side of the grid over which the DENSE view's searched descriptors are spread. */
  static final int SPREAD_CELLS = 4;

  static QueryImage of(ImageFeatures features, int localDescriptors, int denseLocalDescriptors) {
    if (features.getTenant().isBlank() || features.getImageId().isBlank()) {
      throw new InvalidFeaturesException("features need a tenant and an image id, got '"
          + features.getTenant() + "' / '" + features.getImageId() + "'");
    }
    ImageRef ref = new ImageRef(features.getTenant(), features.getImageId());
    if (features.getWidth() <= 0 || features.getHeight() <= 0) {
      throw new InvalidFeaturesException(ref + ": image size must be positive, got "
          + features.getWidth() + "x" + features.getHeight());
    }
    int dimension = features.getModel().getDimension();
    List<FeatureView> ordered = new ArrayList<>(features.getViews());
    ordered.sort(Comparator.comparing(FeatureView::getKind));
    if (ordered.isEmpty() || ordered.getFirst().getKind() != ViewKind.FULL) {
      throw new InvalidFeaturesException(
          ref + ": a FULL view is required for " + features.getPurpose());
    }
    List<QueryView> views = new ArrayList<>();
    List<List<byte[]>> strongest = new ArrayList<>();
    for (FeatureView view : ordered) {
      if (view.getGlobal().size() != dimension) {
        throw new InvalidFeaturesException(ref + ": " + view.getKind() + " global descriptor has "
            + view.getGlobal().size() + " dimensions, the model says " + dimension);
      }
      QueryView queryView;
      try {
        queryView = QueryView.of(view, features.getWidth(), features.getHeight());
      } catch (IllegalArgumentException e) {
        throw new InvalidFeaturesException(
            ref + ": " + view.getKind() + " view is inconsistent: " + e.getMessage(), e);
      }
      views.add(queryView);
      // tiles too: in a strip, the FULL view's keypoint budget is spread over every panel, so a
      // copy in one panel gets few of them; its tile's own keypoints are what find it
      strongest.add(
          queryView.isDense()
              ? spreadDescriptors(view, queryView, denseLocalDescriptors)
              : strongestDescriptors(view, queryView.keypoints(), localDescriptors));
    }
    return new QueryImage(ref, features, List.copyOf(views), List.copyOf(strongest));
  }

  QueryView full() {
    return views.getFirst();
  }

  /**
   * Whether the query has sub-pictures (strip tiles or proposed regions), whose verification locates a copy more
   * tightly. The DENSE view is the whole image again, not a sub-picture.
   */
  boolean hasSubPictures() {
    return views.stream()
        .anyMatch(view ->
            view.kind() == ViewKind.TILE || (view.kind() == ViewKind.REGION && !view.isDense()));
  }

  /** The index of the DENSE view (the whole image again, with more keypoints), or -1 where the query has none. */
  int denseView() {
    for (int view = 0; view < views.size(); view++) {
      if (views.get(view).isDense() && views.get(view).keypoints().size() > 0) {
        return view;
      }
    }
    return -1;
  }

  /** The FULL view's keypoints, strongest first (the order the index expects, see {@code IndexedImage}). */
  StoredKeypoints fullKeypointsStrongestFirst() {
    FeatureView view = features.getViews().stream()
        .filter(v -> v.getKind() == ViewKind.FULL)
        .findFirst()
        .orElseThrow();
    StoredKeypoints keypoints = full().keypoints();
    Integer[] order = strongestFirst(view, keypoints);
    int bytes = keypoints.descriptorBytes();
    float[] xs = new float[order.length];
    float[] ys = new float[order.length];
    byte[] descriptors = new byte[order.length * bytes];
    for (int k = 0; k < order.length; k++) {
      xs[k] = keypoints.xs()[order[k]];
      ys[k] = keypoints.ys()[order[k]];
      System.arraycopy(keypoints.descriptors(), order[k] * bytes, descriptors, k * bytes, bytes);
    }
    return new StoredKeypoints(xs, ys, descriptors, bytes);
  }

  /** Keypoint indices by decreasing detector response; ties keep the extractor's order. */
  private static Integer[] strongestFirst(FeatureView view, StoredKeypoints keypoints) {
    Integer[] order = new Integer[keypoints.size()];
    Arrays.setAll(order, i -> i);
    Arrays.sort(
        order,
        Comparator.comparingDouble((Integer i) -> -view.getKeypoints().get(i).getResponse()));
    return order;
  }

  /** Descriptors of the {@code limit} keypoints with the highest detector response; ties keep the extractor's order. */
  private static List<byte[]> strongestDescriptors(
      FeatureView view, StoredKeypoints keypoints, int limit) {
    return descriptors(keypoints, strongestFirst(view, keypoints), limit);
  }

  /**
   * Descriptors of {@code limit} keypoints spread over the view: the strongest of every cell of a {@value #SPREAD_CELLS}
   * × {@value #SPREAD_CELLS} grid, then the second strongest of every cell, and so on; within a round, the stronger
   * first. A copy inside a layout holds only the keypoints in its part of the upload, while the strongest responses
   * of the whole upload gather on text, icons and stickers, so the strongest {@code limit} alone would spend the DENSE
   * view's votes there. A cell with few keypoints (flat background) gives its rounds to the others. Guarded by
   * {@code QueryImageTest}.
   */
  private static List<byte[]> spreadDescriptors(FeatureView view, QueryView queryView, int limit) {
    StoredKeypoints keypoints = queryView.keypoints();
    Integer[] strongest = strongestFirst(view, keypoints);
    int[] roundOf = new int[strongest.length];
    int[] seenInCell = new int[SPREAD_CELLS * SPREAD_CELLS];
    for (int keypoint : strongest) {
      int cx = cell(keypoints.xs()[keypoint], queryView.width());
      int cy = cell(keypoints.ys()[keypoint], queryView.height());
      roundOf[keypoint] = seenInCell[cy * SPREAD_CELLS + cx]++;
    }
    Integer[] order = strongest.clone();
    // stable: within a round, keypoints keep their strongest-first order
    Arrays.sort(order, Comparator.comparingInt((Integer k) -> roundOf[k]));
    return descriptors(keypoints, order, limit);
  }

  private static int cell(float coordinate, int extent) {
    return Math.clamp((long) (coordinate * SPREAD_CELLS / extent), 0, SPREAD_CELLS - 1);
  }

  private static List<byte[]> descriptors(StoredKeypoints keypoints, Integer[] order, int limit) {
    int bytes = keypoints.descriptorBytes();
    ByteBuffer all = ByteBuffer.wrap(keypoints.descriptors());
    List<byte[]> out = new ArrayList<>();
    for (int k = 0; k < Math.min(limit, order.length); k++) {
      byte[] descriptor = new byte[bytes];
      all.get(order[k] * bytes, descriptor);
      out.add(descriptor);
    }
    return out;
  }
}
