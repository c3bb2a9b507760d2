package io.doppel.matcher.index;

import io.doppel.schemas.avro.Purpose;

/**
 * What a search hit says about the image it found, so policy can decide without another lookup.
 *
 * @param writtenAtMillis when the matcher first wrote the image ({@link IndexedImage#writtenAtMillis()})
 */
public record ImageMeta(
    Purpose purpose,
    String rightsHolder,
    String referenceSet,
    long indexedAtMillis,
    int width,
    int height,
    long writtenAtMillis) {

  /** The metadata of an image written when it was indexed. */
  public ImageMeta(
      Purpose purpose,
      String rightsHolder,
      String referenceSet,
      long indexedAtMillis,
      int width,
      int height) {
    this(purpose, rightsHolder, referenceSet, indexedAtMillis, width, height, indexedAtMillis);
  }
}
