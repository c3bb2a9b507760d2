package io.doppel.matcher.index.memory;

import static io.doppel.matcher.index.IndexSupport.mostVoted;
import static io.doppel.matcher.index.IndexSupport.requirePositive;
import static io.doppel.matcher.index.IndexSupport.unitVector;

import io.doppel.matcher.index.BinaryDescriptors;
import io.doppel.matcher.index.GlobalHit;
import io.doppel.matcher.index.ImageMeta;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexSupport;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.LocalVotes;
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.index.VectorIndex;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.lucene.util.VectorUtil;

/**
 * A {@link VectorIndex} held in this process's memory and searched exactly, by brute force: the reference answer the
 * approximate backends are measured against, and the index of tests that exercise the matcher without Lucene's files or
 * a Milvus server. Its cost grows with every stored vector and keypoint, so it is not for production sizes.
 *
 * <pre>
 * searchGlobal(q, k)  = the k images in scope with the largest max_v cos(q, v), ties by image key
 * searchLocal(D, n)   = for each d ∈ D, the n in-scope searchable descriptors nearest d (ties by image key, then
 *                       keypoint), those within maxHamming voting once per image; images by votes, ties by key
 * </pre>
 *
 * Only the leading {@code votingKeypoints} of each image (its strongest) are searchable, as in the Lucene index; every
 * keypoint is kept for verification. Thread-safe: every method holds the index's lock.
 */
public final class InMemoryVectorIndex implements VectorIndex {

  /** The Lucene index's default, so that both answer alike. */
  public static final int DEFAULT_VOTING_KEYPOINTS = 200;

  /** Images by image key: a TreeMap, so that every scan, and every tie, is in key order. */
  private final Map<String, IndexedImage> images = new TreeMap<>();

  private final int votingKeypoints;

  public InMemoryVectorIndex() {
    this(DEFAULT_VOTING_KEYPOINTS);
  }

  public InMemoryVectorIndex(int votingKeypoints) {
    requirePositive(votingKeypoints, "votingKeypoints");
    this.votingKeypoints = votingKeypoints;
  }

  @Override
  public synchronized void upsert(IndexedImage image) {
    IndexSupport.requireStorable(image);
    BinaryDescriptors.requireKeypoints(image.keypoints());
    List<float[]> unit = image.globals().stream().map(IndexSupport::unitVector).toList();
    images.put(
        IndexSupport.imageKey(image.ref()),
        new IndexedImage(
            image.ref(),
            image.purpose(),
            image.rightsHolder(),
            image.referenceSet(),
            image.indexedAtMillis(),
            image.width(),
            image.height(),
            unit,
            image.keypoints(),
            image.writtenAtMillis()));
  }

  @Override
  public synchronized void delete(ImageRef image) {
    IndexSupport.requireStorable(image);
    images.remove(IndexSupport.imageKey(image));
  }

  @Override
  public synchronized List<GlobalHit> searchGlobal(float[] query, int k, Scope scope) {
    requirePositive(k, "k");
    float[] target = unitVector(query);
    List<GlobalHit> hits = new ArrayList<>();
    for (IndexedImage image : inScope(scope)) {
      float best = Float.NEGATIVE_INFINITY;
      for (float[] vector : image.globals()) {
        best = Math.max(best, VectorUtil.dotProduct(target, vector));
      }
      if (!image.globals().isEmpty()) {
        hits.add(new GlobalHit(image.ref(), meta(image), best));
      }
    }
    // a stable sort of the key-ordered scan: equal similarities stay in key order
    hits.sort(Comparator.comparingDouble(GlobalHit::similarity).reversed());
    return List.copyOf(hits.subList(0, Math.min(k, hits.size())));
  }

  @Override
  public synchronized List<LocalVotes> searchLocal(
      List<byte[]> descriptors, int neighbours, int maxHamming, int maxImages, Scope scope) {
    requirePositive(neighbours, "neighbours");
    requirePositive(maxImages, "maxImages");
    descriptors.forEach(BinaryDescriptors::requireDescriptor);
    List<IndexedImage> candidates = inScope(scope);
    Map<String, Integer> votes = new HashMap<>();
    Map<String, IndexedImage> byKey = new HashMap<>();
    for (byte[] descriptor : descriptors) {
      for (String key : imagesNear(descriptor, candidates, neighbours, maxHamming)) {
        votes.merge(key, 1, Integer::sum);
      }
    }
    candidates.forEach(image -> byKey.put(IndexSupport.imageKey(image.ref()), image));
    return mostVoted(votes, maxImages).stream()
        .map(entry -> new LocalVotes(
            byKey.get(entry.getKey()).ref(), meta(byKey.get(entry.getKey())), entry.getValue()))
        .toList();
  }

  /** The distinct images among {@code descriptor}'s {@code neighbours} nearest searchable descriptors within reach. */
  private List<String> imagesNear(
      byte[] descriptor, List<IndexedImage> candidates, int neighbours, int maxHamming) {
    record Neighbour(int distance, String imageKey, int keypoint) {}
    List<Neighbour> nearest = new ArrayList<>();
    for (IndexedImage image : candidates) {
      StoredKeypoints keypoints = image.keypoints();
      String key = IndexSupport.imageKey(image.ref());
      for (int k = 0; k < Math.min(votingKeypoints, keypoints.size()); k++) {
        int distance = hamming(descriptor, keypoints.descriptors(), k * BinaryDescriptors.BYTES);
        nearest.add(new Neighbour(distance, key, k));
      }
    }
    // candidates come in key order and keypoints in index order, so a stable sort breaks ties by
    // (image key, keypoint)
    nearest.sort(Comparator.comparingInt(Neighbour::distance));
    return nearest.stream()
        .limit(neighbours)
        .filter(n -> n.distance() <= maxHamming)
        .map(Neighbour::imageKey)
        .distinct()
        .toList();
  }

  private static int hamming(byte[] a, byte[] packed, int offset) {
    int distance = 0;
    for (int i = 0; i < a.length; i++) {
      distance += Integer.bitCount((a[i] ^ packed[offset + i]) & 0xFF);
    }
    return distance;
  }

  @Override
  public synchronized StoredKeypoints keypoints(ImageRef image) {
    IndexedImage stored = images.get(IndexSupport.imageKey(image));
    return stored == null ? StoredKeypoints.EMPTY : stored.keypoints();
  }

  @Override
  public synchronized Map<ImageRef, List<float[]>> globalVectors(Collection<ImageRef> refs) {
    Map<ImageRef, List<float[]>> vectors = new LinkedHashMap<>();
    for (ImageRef ref : refs) {
      IndexedImage stored = images.get(IndexSupport.imageKey(ref));
      vectors.putIfAbsent(
          ref,
          stored == null
              ? List.of()
              : stored.globals().stream().map(float[]::clone).toList());
    }
    return vectors;
  }

  @Override
  public synchronized Optional<ImageMeta> meta(ImageRef image) {
    IndexedImage stored = images.get(IndexSupport.imageKey(image));
    return stored == null ? Optional.empty() : Optional.of(stored.meta());
  }

  @Override
  public synchronized boolean contains(ImageRef image) {
    return images.containsKey(IndexSupport.imageKey(image));
  }

  /** Every write is visible as soon as it returns. */
  @Override
  public void refresh() {}

  /** Nothing outlives the process. */
  @Override
  public void commit() {}

  @Override
  public synchronized void close() {
    images.clear();
  }

  private List<IndexedImage> inScope(Scope scope) {
    if (scope.isEmpty()) {
      return List.of();
    }
    return images.values().stream().filter(scope::admits).toList();
  }

  private static ImageMeta meta(IndexedImage image) {
    return image.meta();
  }
}
