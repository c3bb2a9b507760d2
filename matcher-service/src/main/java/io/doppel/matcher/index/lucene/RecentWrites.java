package io.doppel.matcher.index.lucene;

import io.doppel.matcher.index.BinaryDescriptors;
import io.doppel.matcher.index.IndexSupport;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.StoredKeypoints;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.VectorUtil;

/**
 * The writes that the open Lucene searcher does not see yet, searchable in memory: every write is visible to the next
 * search at once, while Lucene reopens its reader (a flush, a new segment, a reader over it) only every few writes.
 * Reopening per write would make a segment per upload, and the reopens and the merging of one-image segments would
 * take most of the matcher's index time.
 *
 * <p>Searches read an immutable {@link Snapshot}, taken before the searcher is acquired: a write is dropped from here
 * only after a reopen that includes it, so a searcher acquired after the snapshot misses no write the snapshot lacks.
 * A write that is in both is searched here only: {@link Snapshot#keys()} are excluded from the Lucene search.
 * Thread-safe.
 */
final class RecentWrites {

  private final int votingKeypoints;
  /** By image key, oldest first; a null image is a delete. */
  private final Map<String, Write> writes = new LinkedHashMap<>();

  private long lastSequence;
  /** Null when a write came after the last one built. */
  private Snapshot snapshot = Snapshot.EMPTY;

  private record Write(long sequence, IndexedImage image) {}

  /** @param votingKeypoints leading keypoints of each image searched for local votes, as in the Lucene index */
  RecentWrites(int votingKeypoints) {
    this.votingKeypoints = votingKeypoints;
  }

  /** Records an upsert of {@code image} under {@code key}. */
  synchronized void upserted(String key, IndexedImage image) {
    record(key, image);
  }

  /** Records a delete of {@code key}. */
  synchronized void deleted(String key) {
    record(key, null);
  }

  private void record(String key, IndexedImage image) {
    writes.remove(key);
    writes.put(key, new Write(++lastSequence, image));
    snapshot = null;
  }

  /** Forgets {@code key}: a bulk write replaced it, visible after the next reopen. */
  synchronized void forget(String key) {
    if (writes.remove(key) != null) {
      snapshot = null;
    }
  }

  /** The sequence number of the latest write (0 before any). */
  synchronized long lastSequence() {
    return lastSequence;
  }

  synchronized int size() {
    return writes.size();
  }

  /** Forgets the writes up to {@code sequence}: a reopened searcher sees them. */
  synchronized void dropUpTo(long sequence) {
    if (writes.values().removeIf(write -> write.sequence() <= sequence)) {
      snapshot = null;
    }
  }

  /** The writes now, built on the first search after a write (a bulk load writes many between searches). */
  synchronized Snapshot snapshot() {
    if (snapshot == null) {
      snapshot = Snapshot.of(writes, votingKeypoints);
    }
    return snapshot;
  }

  /** The recent writes at one moment. Immutable. */
  static final class Snapshot {

    static final Snapshot EMPTY =
        new Snapshot(Map.of(), List.of(), List.of(), new int[0], KeypointBuckets.EMPTY);

    private final Map<String, IndexedImage> byKey;
    /** Upserted images, oldest first: the "documents" of {@link #buckets} are positions in {@link #descriptorImage}. */
    private final List<IndexedImage> images;
    /** Each image's global vectors, L2-normalised once here rather than for every query view. */
    private final List<List<float[]>> unitGlobals;

    private final int[] descriptorImage;
    private final KeypointBuckets buckets;

    private Snapshot(
        Map<String, IndexedImage> byKey,
        List<IndexedImage> images,
        List<List<float[]>> unitGlobals,
        int[] descriptorImage,
        KeypointBuckets buckets) {
      this.byKey = byKey;
      this.images = images;
      this.unitGlobals = unitGlobals;
      this.descriptorImage = descriptorImage;
      this.buckets = buckets;
    }

    private static Snapshot of(Map<String, Write> writes, int votingKeypoints) {
      if (writes.isEmpty()) {
        return EMPTY;
      }
      Map<String, IndexedImage> byKey = new LinkedHashMap<>();
      List<IndexedImage> images = new ArrayList<>();
      writes.forEach((key, write) -> {
        byKey.put(key, write.image());
        if (write.image() != null) {
          images.add(write.image());
        }
      });
      int descriptors = 0;
      for (IndexedImage image : images) {
        descriptors += Math.min(image.keypoints().size(), votingKeypoints);
      }
      byte[] packed = new byte[descriptors * BinaryDescriptors.BYTES];
      int[] descriptorImage = new int[descriptors];
      int at = 0;
      for (int image = 0; image < images.size(); image++) {
        StoredKeypoints keypoints = images.get(image).keypoints();
        int voting = Math.min(keypoints.size(), votingKeypoints);
        System.arraycopy(
            keypoints.descriptors(),
            0,
            packed,
            at * BinaryDescriptors.BYTES,
            voting * BinaryDescriptors.BYTES);
        for (int k = 0; k < voting; k++) {
          descriptorImage[at++] = image;
        }
      }
      int[] docs = new int[descriptors];
      for (int i = 0; i < descriptors; i++) {
        docs[i] = i;
      }
      List<List<float[]>> unitGlobals = images.stream()
          .map(image -> image.globals().stream().map(IndexSupport::unitVector).toList())
          .toList();
      return new Snapshot(
          Collections.unmodifiableMap(byKey),
          List.copyOf(images),
          unitGlobals,
          descriptorImage,
          KeypointBuckets.of(packed, docs));
    }

    /** The image keys written recently, deletes included: what the Lucene search must not return. */
    Set<String> keys() {
      return byKey.keySet();
    }

    /** Whether {@code key} was written recently: then {@link #image} is its current state. */
    boolean has(String key) {
      return byKey.containsKey(key);
    }

    /** The recently written image of {@code key}; null when it was deleted (or not written recently). */
    IndexedImage image(String key) {
      return byKey.get(key);
    }

    /** The upserted images in {@code scope} with their best cosine similarity to {@code unitQuery} over their vectors. */
    Map<IndexedImage, Float> similarities(float[] unitQuery, Scope scope) {
      Map<IndexedImage, Float> similarities = new LinkedHashMap<>();
      for (int i = 0; i < images.size(); i++) {
        if (!admits(scope, images.get(i))) {
          continue;
        }
        float best = Float.NEGATIVE_INFINITY;
        for (float[] global : unitGlobals.get(i)) {
          best = Math.max(best, dot(unitQuery, global));
        }
        similarities.put(images.get(i), best);
      }
      return similarities;
    }

    /** The descriptors' buckets; a descriptor's document is its position, see {@link #imageOfDescriptor}. */
    KeypointBuckets buckets() {
      return buckets;
    }

    IndexedImage imageOfDescriptor(int doc) {
      return images.get(descriptorImage[doc]);
    }

    /** Which descriptors {@code scope} admits, by position; null when it admits none. */
    Bits acceptedDescriptors(Scope scope) {
      boolean[] admitted = new boolean[images.size()];
      boolean any = false;
      for (int image = 0; image < images.size(); image++) {
        admitted[image] = admits(scope, images.get(image));
        any |= admitted[image];
      }
      if (!any) {
        return null;
      }
      return new Bits() {
        @Override
        public boolean get(int doc) {
          return admitted[descriptorImage[doc]];
        }

        @Override
        public int length() {
          return descriptorImage.length;
        }
      };
    }

    private static boolean admits(Scope scope, IndexedImage image) {
      return scope.admits(image);
    }

    private static float dot(float[] a, float[] b) {
      if (a.length != b.length) {
        throw new IllegalArgumentException(
            "a query of " + a.length + " dimensions against a vector of " + b.length);
      }
      return VectorUtil.dotProduct(a, b);
    }
  }
}
