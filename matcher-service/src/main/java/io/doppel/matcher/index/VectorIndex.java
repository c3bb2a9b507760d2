package io.doppel.matcher.index;

import java.util.List;

/**
 * The vector-index port: global descriptors for ANN retrieval and local keypoint descriptors for
 * vote-based recall and verification. Production: Milvus. Embedded default: Lucene HNSW on disk.
 * One contract test suite runs against both.
 *
 * <p>Writes are idempotent: upserting the same image again replaces its rows, never doubles them.
 * Every search is limited to a {@link Scope}; nothing outside it is ever returned. Unreachable
 * backends throw {@link IndexUnavailableException}.
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
  List<LocalVotes> searchLocal(List<byte[]> descriptors, int neighbours, int maxHamming, int maxImages, Scope scope);

  /** The stored keypoints of an indexed image, for geometric verification; empty if not indexed. */
  StoredKeypoints keypoints(ImageRef image);

  /** Whether the image has rows in the index. */
  boolean contains(ImageRef image);

  /** Makes every preceding write visible to searches (Lucene near-real-time reopen; Milvus: strong reads already do). */
  void refresh();

  /** Makes every preceding write durable (Lucene commit; Milvus: acknowledged writes already are). */
  void commit();

  @Override
  void close();
}
