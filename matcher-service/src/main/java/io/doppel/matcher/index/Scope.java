package io.doppel.matcher.index;

import io.doppel.schemas.avro.Purpose;
import java.util.Set;

/**
 * What a search may return: UPLOAD images of {@code uploadTenants}, plus REFERENCE images of
 * {@code referenceSets}, indexed at or after {@code indexedSinceMillis} and first written before
 * {@code writtenBeforeMillis}, excluding {@code exclude} (the query itself). An empty scope returns
 * nothing. Tenant and set names are data, never query syntax: implementations escape them.
 *
 * <p>{@code writtenBeforeMillis} bounds the search of a replayed record to the images written before its first
 * attempt's write (see {@code DualRetrievalMatcher}); a first attempt's is {@link #ANY_WRITE}.
 */
public record Scope(
    Set<String> uploadTenants,
    Set<String> referenceSets,
    long indexedSinceMillis,
    ImageRef exclude,
    long writtenBeforeMillis) {

  /** {@code indexedSinceMillis} of a scope with no lower time bound (an upload's: whatever was indexed before it). */
  public static final long ALL_TIME = Long.MIN_VALUE;
  /** {@code writtenBeforeMillis} of a scope that admits every image written so far. */
  public static final long ANY_WRITE = Long.MAX_VALUE;

  public Scope {
    uploadTenants = Set.copyOf(uploadTenants);
    referenceSets = Set.copyOf(referenceSets);
  }

  public Scope(
      Set<String> uploadTenants,
      Set<String> referenceSets,
      long indexedSinceMillis,
      ImageRef exclude) {
    this(uploadTenants, referenceSets, indexedSinceMillis, exclude, ANY_WRITE);
  }

  /** This scope, admitting only images first written before {@code millis}. */
  public Scope writtenBefore(long millis) {
    return new Scope(uploadTenants, referenceSets, indexedSinceMillis, exclude, millis);
  }

  public boolean boundedInTime() {
    return indexedSinceMillis != ALL_TIME;
  }

  public boolean boundedInWrites() {
    return writtenBeforeMillis != ANY_WRITE;
  }

  /** Whether this scope admits {@code image}. */
  public boolean admits(IndexedImage image) {
    return admits(
        image.ref(),
        image.purpose(),
        image.referenceSet(),
        image.indexedAtMillis(),
        image.writtenAtMillis());
  }

  public boolean isEmpty() {
    return uploadTenants.isEmpty() && referenceSets.isEmpty();
  }

  public boolean admits(
      ImageRef ref,
      Purpose purpose,
      String referenceSet,
      long indexedAtMillis,
      long writtenAtMillis) {
    if (ref.equals(exclude)
        || indexedAtMillis < indexedSinceMillis
        || writtenAtMillis >= writtenBeforeMillis) {
      return false;
    }
    return purpose == Purpose.REFERENCE
        ? referenceSet != null && referenceSets.contains(referenceSet)
        : uploadTenants.contains(ref.tenant());
  }
}
