package io.doppel.matcher.index;

import io.doppel.schemas.avro.Purpose;
import java.util.Set;

/**
 * What a search may return: UPLOAD images of {@code uploadTenants}, plus REFERENCE images of
 * {@code referenceSets}, indexed at or after {@code indexedSinceMillis}, excluding {@code exclude}
 * (the query itself). An empty scope returns nothing. Tenant and set names are data, never
 * query syntax: implementations escape them.
 */
public record Scope(Set<String> uploadTenants, Set<String> referenceSets, long indexedSinceMillis, ImageRef exclude) {

  /** {@code indexedSinceMillis} of a scope with no lower time bound (an upload's: whatever was indexed before it). */
  public static final long ALL_TIME = Long.MIN_VALUE;

  public Scope {
    uploadTenants = Set.copyOf(uploadTenants);
    referenceSets = Set.copyOf(referenceSets);
  }

  public boolean boundedInTime() {
    return indexedSinceMillis != ALL_TIME;
  }

  public boolean isEmpty() {
    return uploadTenants.isEmpty() && referenceSets.isEmpty();
  }

  public boolean admits(ImageRef ref, Purpose purpose, String referenceSet, long indexedAtMillis) {
    if (ref.equals(exclude) || indexedAtMillis < indexedSinceMillis) {
      return false;
    }
    return purpose == Purpose.REFERENCE
        ? referenceSet != null && referenceSets.contains(referenceSet)
        : uploadTenants.contains(ref.tenant());
  }
}
