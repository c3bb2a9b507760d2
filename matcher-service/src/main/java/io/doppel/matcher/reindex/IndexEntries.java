package io.doppel.matcher.reindex;

import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.retrieval.DualRetrievalMatcher;
import io.doppel.schemas.avro.ImageFeatures;

/**
 * What the index keeps of an image, from its features: the same rows the matcher writes when it
 * decides an upload or registers a reference (FULL and TILE globals, the FULL view's keypoints,
 * indexed at the upload time), so a re-indexed image is indistinguishable from a live one.
 */
public final class IndexEntries {

  private IndexEntries() {}

  /** The index rows of {@code features} (UPLOAD or REFERENCE), exactly as the matcher writes them. */
  public static IndexedImage of(ImageFeatures features) {
    return DualRetrievalMatcher.indexEntry(features);
  }
}
