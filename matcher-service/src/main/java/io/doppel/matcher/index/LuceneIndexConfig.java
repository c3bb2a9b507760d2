package io.doppel.matcher.index;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Configuration of the embedded Lucene index.
 *
 * @param directory where the index lives on local disk; one sub-directory per model (see {@link #indexDirectory()})
 * @param model the global descriptor model: vectors of different model versions are never mixed
 * @param hnswMaxConn HNSW graph degree (Lucene's {@code maxConn}, "M")
 * @param hnswBeamWidth HNSW construction beam width ("efConstruction")
 * @param localSearchThreads how many threads search the query descriptors of one {@code searchLocal} call
 * @param localVotingKeypoints leading (strongest) keypoints of each image whose descriptors are searchable for local
 *     votes; every keypoint is still stored for verification. Each searchable descriptor costs 32 bytes on disk and
 *     132 bytes of heap in {@link KeypointBuckets}, so this bounds both.
 */
public record LuceneIndexConfig(Path directory, ModelKey model, int hnswMaxConn, int hnswBeamWidth, int localSearchThreads,
    int localVotingKeypoints) {

  public static final int DEFAULT_HNSW_MAX_CONN = 16;
  public static final int DEFAULT_HNSW_BEAM_WIDTH = 100;
  public static final int DEFAULT_LOCAL_VOTING_KEYPOINTS = 200;
  private static final int MAX_HNSW_MAX_CONN = 512;
  private static final int MAX_HNSW_BEAM_WIDTH = 3200;

  public LuceneIndexConfig {
    Objects.requireNonNull(directory, "lucene index directory must be set");
    Objects.requireNonNull(model, "model must be set");
    require(hnswMaxConn >= 2 && hnswMaxConn <= MAX_HNSW_MAX_CONN, "hnswMaxConn must be in [2, " + MAX_HNSW_MAX_CONN + "], got " + hnswMaxConn);
    require(hnswBeamWidth >= 1 && hnswBeamWidth <= MAX_HNSW_BEAM_WIDTH, "hnswBeamWidth must be in [1, " + MAX_HNSW_BEAM_WIDTH + "], got " + hnswBeamWidth);
    require(localSearchThreads >= 1, "localSearchThreads must be >= 1, got " + localSearchThreads);
    require(localVotingKeypoints >= 1, "localVotingKeypoints must be >= 1, got " + localVotingKeypoints);
  }

  /** Defaults for everything but the location and the model. */
  public static LuceneIndexConfig of(Path directory, ModelKey model) {
    return new LuceneIndexConfig(directory, model, DEFAULT_HNSW_MAX_CONN, DEFAULT_HNSW_BEAM_WIDTH,
        Math.max(1, Runtime.getRuntime().availableProcessors()), DEFAULT_LOCAL_VOTING_KEYPOINTS);
  }

  /** These settings with {@code count} voting keypoints per image. */
  public LuceneIndexConfig withLocalVotingKeypoints(int count) {
    return new LuceneIndexConfig(directory, model, hnswMaxConn, hnswBeamWidth, localSearchThreads, count);
  }

  /** The directory of this schema version and model: switching models starts a new index. */
  public Path indexDirectory() {
    return directory.resolve(model.qualifiedName("doppel"));
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("invalid lucene index config: " + message);
    }
  }
}
