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
 * @param writtenAtMillis when the matcher first wrote it: the order of first writes, which a replayed record's searches
 *     are bounded by ({@link Scope#writtenBeforeMillis()}), so that it sees what its first attempt saw
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
    StoredKeypoints keypoints,
    long writtenAtMillis) {

  public IndexedImage {
    globals = List.copyOf(globals);
  }

  /** An image written when it was indexed: a re-index of an earlier upload, a bulk load, a test. */
  public IndexedImage(
      ImageRef ref,
      Purpose purpose,
      String rightsHolder,
      String referenceSet,
      long indexedAtMillis,
      int width,
      int height,
      List<float[]> globals,
      StoredKeypoints keypoints) {
    this(
        ref,
        purpose,
        rightsHolder,
        referenceSet,
        indexedAtMillis,
        width,
        height,
        globals,
        keypoints,
        indexedAtMillis);
  }

  /** This image with other keypoints. */
  public IndexedImage withKeypoints(StoredKeypoints replaced) {
    return new IndexedImage(
        ref,
        purpose,
        rightsHolder,
        referenceSet,
        indexedAtMillis,
        width,
        height,
        globals,
        replaced,
        writtenAtMillis);
  }

  /** What a search hit says about this image. */
  public ImageMeta meta() {
    return new ImageMeta(
        purpose, rightsHolder, referenceSet, indexedAtMillis, width, height, writtenAtMillis);
  }
}
