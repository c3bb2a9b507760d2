package io.doppel.matcher.reindex;

import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.verify.QueryView;
import io.doppel.schemas.avro.FeatureView;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.ViewKind;
import java.util.ArrayList;
import java.util.List;

/**
 * What the index keeps of an image, from its features: the same rows the matcher writes when it
 * decides an upload or registers a reference (FULL and TILE globals, the FULL view's keypoints,
 * indexed at the upload time), so a re-indexed image is indistinguishable from a live one.
 */
public final class IndexEntries {

  private IndexEntries() {}

  /** The index rows of {@code features} (UPLOAD or REFERENCE). */
  public static IndexedImage of(ImageFeatures features) {
    ImageRef ref = new ImageRef(features.getTenant(), features.getImageId());
    Purpose purpose = features.getPurpose();
    if (purpose != Purpose.UPLOAD && purpose != Purpose.REFERENCE) {
      throw new IllegalArgumentException(ref + ": only UPLOAD and REFERENCE images are indexed, got " + purpose);
    }
    FeatureView full = null;
    List<float[]> globals = new ArrayList<>();
    List<FeatureView> tiles = new ArrayList<>();
    for (FeatureView view : features.getViews()) {
      if (view.getKind() == ViewKind.FULL) {
        full = view;
      } else if (view.getKind() == ViewKind.TILE) {
        tiles.add(view);
      }
    }
    if (full == null) {
      throw new IllegalArgumentException(ref + ": features have no FULL view");
    }
    globals.add(vector(full));
    tiles.forEach(tile -> globals.add(vector(tile)));
    String rightsHolder = purpose == Purpose.REFERENCE ? features.getRightsHolder() : null;
    String referenceSet = purpose == Purpose.REFERENCE
        ? (features.getReferenceSet() != null ? features.getReferenceSet() : features.getRightsHolder())
        : null;
    if (purpose == Purpose.REFERENCE && (referenceSet == null || referenceSet.isBlank())) {
      throw new IllegalArgumentException(ref + ": a REFERENCE needs a rightsHolder or a referenceSet");
    }
    QueryView fullView = QueryView.of(full, features.getWidth(), features.getHeight());
    return new IndexedImage(ref, purpose, rightsHolder, referenceSet, features.getUploadedAt().toEpochMilli(),
        features.getWidth(), features.getHeight(), globals, fullView.keypoints());
  }

  private static float[] vector(FeatureView view) {
    List<Float> values = view.getGlobal();
    float[] vector = new float[values.size()];
    for (int i = 0; i < vector.length; i++) {
      vector[i] = values.get(i);
    }
    return vector;
  }
}
