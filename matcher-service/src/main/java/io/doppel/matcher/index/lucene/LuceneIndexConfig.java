package io.doppel.matcher.index.lucene;

import io.doppel.matcher.index.ModelKey;
import java.nio.file.Path;
import java.time.Duration;
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
 * @param reopenAfterWrites writes kept searchable in memory ({@link RecentWrites}) before the Lucene reader is reopened
 *     over them; every one is searched by brute force over its vectors and through in-memory keypoint buckets
 * @param commitInterval least time between Lucene commits; the writes in between are durable in the write-ahead log,
 *     synced on every stream commit, and replayed when the index opens
 */
public record LuceneIndexConfig(
    Path directory,
    ModelKey model,
    int hnswMaxConn,
    int hnswBeamWidth,
    int localSearchThreads,
    int localVotingKeypoints,
    int reopenAfterWrites,
    Duration commitInterval) {

  public static final int DEFAULT_HNSW_MAX_CONN = 16;
  public static final int DEFAULT_HNSW_BEAM_WIDTH = 100;
  public static final int DEFAULT_LOCAL_VOTING_KEYPOINTS = 200;
  /** 16 uploads: about a second of a 2-core node's stream, and 3,200 in-memory descriptors, cheap to search. */
  public static final int DEFAULT_REOPEN_AFTER_WRITES = 16;
  /** What a crash costs in replay: 10 s of writes, read back from the log in well under a second. */
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(10);

  private static final int MAX_HNSW_MAX_CONN = 512;
  private static final int MAX_HNSW_BEAM_WIDTH = 3200;

  public LuceneIndexConfig {
    Objects.requireNonNull(directory, "lucene index directory must be set");
    Objects.requireNonNull(model, "model must be set");
    require(
        hnswMaxConn >= 2 && hnswMaxConn <= MAX_HNSW_MAX_CONN,
        "hnswMaxConn must be in [2, " + MAX_HNSW_MAX_CONN + "], got " + hnswMaxConn);
    require(
        hnswBeamWidth >= 1 && hnswBeamWidth <= MAX_HNSW_BEAM_WIDTH,
        "hnswBeamWidth must be in [1, " + MAX_HNSW_BEAM_WIDTH + "], got " + hnswBeamWidth);
    require(localSearchThreads >= 1, "localSearchThreads must be >= 1, got " + localSearchThreads);
    require(
        localVotingKeypoints >= 1,
        "localVotingKeypoints must be >= 1, got " + localVotingKeypoints);
    require(reopenAfterWrites >= 1, "reopenAfterWrites must be >= 1, got " + reopenAfterWrites);
    Objects.requireNonNull(commitInterval, "commitInterval must be set");
    require(!commitInterval.isNegative(), "commitInterval must be >= 0, got " + commitInterval);
  }

  /** Defaults for everything but the location and the model. */
  public static LuceneIndexConfig of(Path directory, ModelKey model) {
    return new LuceneIndexConfig(
        directory,
        model,
        DEFAULT_HNSW_MAX_CONN,
        DEFAULT_HNSW_BEAM_WIDTH,
        Math.max(1, Runtime.getRuntime().availableProcessors()),
        DEFAULT_LOCAL_VOTING_KEYPOINTS,
        DEFAULT_REOPEN_AFTER_WRITES,
        DEFAULT_COMMIT_INTERVAL);
  }

  /** These settings with {@code count} voting keypoints per image. */
  public LuceneIndexConfig withLocalVotingKeypoints(int count) {
    return new LuceneIndexConfig(
        directory,
        model,
        hnswMaxConn,
        hnswBeamWidth,
        localSearchThreads,
        count,
        reopenAfterWrites,
        commitInterval);
  }

  /** These settings with a reopen after {@code writes} writes and a Lucene commit at most every {@code interval}. */
  public LuceneIndexConfig withWriteBatching(int writes, Duration interval) {
    return new LuceneIndexConfig(
        directory,
        model,
        hnswMaxConn,
        hnswBeamWidth,
        localSearchThreads,
        localVotingKeypoints,
        writes,
        interval);
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
