package io.doppel.matcher.index;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The vector-index port: global descriptors for ANN retrieval and local keypoint descriptors for
 * vote-based recall and verification. Production: Milvus. Embedded default: Lucene HNSW on disk.
 * One contract test suite runs against both.
 *
 * <p>Writes are idempotent: upserting the same image again replaces its rows, never doubles them.
 * Every search is limited to a {@link Scope}; nothing outside it is ever returned. Unreachable
 * backends throw {@link IndexUnavailableException}.
 *
 * <p>The {@code ...Batch} methods answer several questions in one call; their defaults ask one at a
 * time. A remote backend overrides them to make one round trip instead of many (Milvus: each read
 * waits for the server's next time tick), and a wrapper must override them to keep that.
 */
public interface VectorIndex extends AutoCloseable {

  /** Inserts or replaces every row of {@code image} (global vectors and keypoints). */
  void upsert(IndexedImage image);

  /** Removes every row of the image; a no-op if it is not indexed. */
  void delete(ImageRef image);

  /** The {@code k} images in scope whose global vectors are most similar to {@code query}, best first. One hit per image. */
  List<GlobalHit> searchGlobal(float[] query, int k, Scope scope);

  /**
   * For each query descriptor, its {@code neighbours} nearest keypoint descriptors in scope;
   * returns votes per image (how many query descriptors had a neighbour in it within
   * {@code maxHamming}), most votes first, at most {@code maxImages}.
   */
  List<LocalVotes> searchLocal(
      List<byte[]> descriptors, int neighbours, int maxHamming, int maxImages, Scope scope);

  /** The stored keypoints of an indexed image, for geometric verification; empty if not indexed. */
  StoredKeypoints keypoints(ImageRef image);

  /** {@link #upsert} of each image (a bulk load, a re-index); an image may appear once per batch. */
  default void upsertBatch(List<IndexedImage> images) {
    if (images.stream().map(IndexedImage::ref).distinct().count() < images.size()) {
      throw new IllegalArgumentException("an image appears twice in one batch");
    }
    images.forEach(this::upsert);
  }

  /** {@link #searchGlobal} for each of {@code queries}: one hit list per query, in their order. */
  default List<List<GlobalHit>> searchGlobalBatch(List<float[]> queries, int k, Scope scope) {
    return queries.stream().map(query -> searchGlobal(query, k, scope)).toList();
  }

  /** {@link #searchLocal} for each set of {@code descriptorSets}: one vote list per set, in their order, votes counted per set. */
  default List<List<LocalVotes>> searchLocalBatch(
      List<List<byte[]>> descriptorSets,
      int neighbours,
      int maxHamming,
      int maxImages,
      Scope scope) {
    return descriptorSets.stream()
        .map(set -> searchLocal(set, neighbours, maxHamming, maxImages, scope))
        .toList();
  }

  /** {@link #keypoints} of each distinct image, in the order given; empty for images that are not indexed. */
  default Map<ImageRef, StoredKeypoints> keypointsBatch(Collection<ImageRef> images) {
    Map<ImageRef, StoredKeypoints> keypoints = new LinkedHashMap<>();
    images.forEach(image -> keypoints.computeIfAbsent(image, this::keypoints));
    return keypoints;
  }

  /**
   * The stored global vectors of each distinct image, scaled to unit length (in no set order), by image in the order given;
   * an empty list for images that are not indexed. For scoring a candidate that local votes found but the
   * global search did not rank: its similarity is then computed, not assumed to be nil.
   */
  Map<ImageRef, List<float[]>> globalVectors(Collection<ImageRef> images);

  /**
   * What the index holds about the image (its metadata as a search hit would give it, with when it was first written),
   * empty if it is not indexed. The matcher reads its own upload's row here to tell a replay from a first attempt.
   */
  Optional<ImageMeta> meta(ImageRef image);

  /** Whether the image has rows in the index. */
  boolean contains(ImageRef image);

  /** Makes every preceding write visible to searches (Lucene near-real-time reopen; Milvus: strong reads already do). */
  void refresh();

  /** Makes every preceding write durable (Lucene commit; Milvus: acknowledged writes already are). */
  void commit();

  /**
   * Bytes the index keeps on this machine's disk once every write so far is in its segments; empty where the index
   * lives on a server (Milvus), whose storage this process cannot see. May commit, so not for the request path.
   */
  default OptionalLong committedBytesOnDisk() {
    return OptionalLong.empty();
  }

  @Override
  void close();
}
