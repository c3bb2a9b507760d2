package io.doppel.matcher.index;

import io.doppel.schemas.avro.Purpose;
import java.util.List;

/**
 * Everything the index keeps of one image.
 *
 * @param globals global descriptors (the full image first; tiles of tall images after it)
 * @param keypoints keypoints of the full image with their descriptors, strongest (highest detector response) first:
 *     an index may search only a leading share of them for local votes
 * @param referenceSet for REFERENCE images, the set tenant policies subscribe to; else null
 * @param indexedAtMillis when it was indexed (retro-scan look-back windows compare against it)
 */
public record IndexedImage(
    ImageRef ref,
    Purpose purpose,
    String rightsHolder,
    String referenceSet,
    long indexedAtMillis,
    int width,
    int height,
    List<float[]> globals,
    StoredKeypoints keypoints) {

  public IndexedImage {
    globals = List.copyOf(globals);
  }
}
