package io.doppel.matcher.index.milvus;

import io.doppel.matcher.index.ModelKey;
import java.time.Duration;
import java.util.Objects;

/**
 * Configuration of the Milvus index. The token is a secret: it is passed in by the caller (from the
 * environment or a mounted file) and never printed, not even by {@link #toString()}.
 *
 * @param uri e.g. {@code http://milvus:19530}
 * @param token {@code user:password} or an API key; null when the server has no authentication
 * @param databaseName null for Milvus' default database
 * @param model the global descriptor model; collection names carry it and the schema version
 * @param globalDimensions dimension of the global descriptors
 * @param globalIndex index of the global collection: HNSW where the server has it, else FLAT or AUTOINDEX
 * @param localIndex index of the local collection (binary vectors, HAMMING)
 * @param localNlist clusters of a BIN_IVF_FLAT local index, fixed when the collection is created (unused by BIN_FLAT)
 * @param localNprobe clusters a BIN_IVF_FLAT search visits per query descriptor, at most {@code localNlist}: its cost
 *     and recall grow with it (unused by BIN_FLAT)
 * @param partitions partitions hashed from the tenant (the partition key)
 * @param requestTimeout deadline of each Milvus call
 * @param maxAttempts attempts per call before the index is reported unavailable
 * @param retryBackoff first retry delay; later ones grow exponentially, with jitter
 * @param maxConcurrentCalls bulkhead: calls in flight at once from this process
 * @param writeBatchRows rows per insert request, within Milvus' message size limit
 */
public record MilvusIndexConfig(
    String uri,
    String token,
    String databaseName,
    ModelKey model,
    int globalDimensions,
    GlobalIndex globalIndex,
    LocalIndex localIndex,
    int localNlist,
    int localNprobe,
    int partitions,
    Duration requestTimeout,
    int maxAttempts,
    Duration retryBackoff,
    int maxConcurrentCalls,
    int writeBatchRows) {

  /** Global-vector index types the adapter can create. */
  public enum GlobalIndex {
    HNSW,
    FLAT,
    AUTOINDEX
  }

  /** Binary-vector index types the adapter can create. */
  public enum LocalIndex {
    BIN_FLAT,
    BIN_IVF_FLAT
  }

  public static final int DEFAULT_PARTITIONS = 16;
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(200);
  public static final int DEFAULT_MAX_CONCURRENT_CALLS = 16;
  public static final int DEFAULT_WRITE_BATCH_ROWS = 1_000;
  public static final int DEFAULT_LOCAL_NLIST = 1_024;
  public static final int DEFAULT_LOCAL_NPROBE = 32;
  /** Milvus' upper bound on an IVF index's nlist. */
  public static final int MAX_LOCAL_NLIST = 65_536;
  /** Milvus refuses more partitions than this per collection. */
  private static final int MAX_PARTITIONS = 1024;
  /** Milvus' upper bound on vector dimensions. */
  private static final int MAX_DIMENSIONS = 32_768;

  public MilvusIndexConfig {
    require(
        uri != null && (uri.startsWith("http://") || uri.startsWith("https://")),
        "uri must be http(s)://host:port, got " + uri);
    Objects.requireNonNull(model, "model must be set");
    Objects.requireNonNull(globalIndex, "globalIndex must be set");
    Objects.requireNonNull(localIndex, "localIndex must be set");
    Objects.requireNonNull(requestTimeout, "requestTimeout must be set");
    Objects.requireNonNull(retryBackoff, "retryBackoff must be set");
    require(
        globalDimensions >= 1 && globalDimensions <= MAX_DIMENSIONS,
        "globalDimensions must be in [1, " + MAX_DIMENSIONS + "], got " + globalDimensions);
    require(
        partitions >= 1 && partitions <= MAX_PARTITIONS,
        "partitions must be in [1, " + MAX_PARTITIONS + "], got " + partitions);
    require(
        !requestTimeout.isNegative() && !requestTimeout.isZero(),
        "requestTimeout must be positive");
    require(maxAttempts >= 1, "maxAttempts must be >= 1, got " + maxAttempts);
    require(!retryBackoff.isNegative() && !retryBackoff.isZero(), "retryBackoff must be positive");
    require(maxConcurrentCalls >= 1, "maxConcurrentCalls must be >= 1, got " + maxConcurrentCalls);
    require(writeBatchRows >= 1, "writeBatchRows must be >= 1, got " + writeBatchRows);
    require(
        localNlist >= 1 && localNlist <= MAX_LOCAL_NLIST,
        "localNlist must be in [1, " + MAX_LOCAL_NLIST + "], got " + localNlist);
    require(
        localNprobe >= 1 && localNprobe <= localNlist,
        "localNprobe must be in [1, localNlist = " + localNlist + "], got " + localNprobe);
  }

  /** Defaults for everything but the server, secret, model and dimension. */
  public static MilvusIndexConfig of(
      String uri, String token, ModelKey model, int globalDimensions, GlobalIndex globalIndex) {
    return new MilvusIndexConfig(
        uri,
        token,
        null,
        model,
        globalDimensions,
        globalIndex,
        LocalIndex.BIN_FLAT,
        DEFAULT_LOCAL_NLIST,
        DEFAULT_LOCAL_NPROBE,
        DEFAULT_PARTITIONS,
        DEFAULT_REQUEST_TIMEOUT,
        DEFAULT_MAX_ATTEMPTS,
        DEFAULT_RETRY_BACKOFF,
        DEFAULT_MAX_CONCURRENT_CALLS,
        DEFAULT_WRITE_BATCH_ROWS);
  }

  /** This configuration with another keypoint index. */
  public MilvusIndexConfig withLocalIndex(LocalIndex index, int nlist, int nprobe) {
    return new MilvusIndexConfig(
        uri,
        token,
        databaseName,
        model,
        globalDimensions,
        globalIndex,
        index,
        nlist,
        nprobe,
        partitions,
        requestTimeout,
        maxAttempts,
        retryBackoff,
        maxConcurrentCalls,
        writeBatchRows);
  }

  public String globalCollection() {
    return model.qualifiedName("doppel_global");
  }

  public String localCollection() {
    return model.qualifiedName("doppel_local");
  }

  @Override
  public String toString() {
    return "MilvusIndexConfig[uri=" + uri + ", token=" + (token == null ? "none" : "***")
        + ", databaseName=" + databaseName
        + ", model=" + model + ", globalDimensions=" + globalDimensions + ", globalIndex="
        + globalIndex + ", localIndex=" + localIndex + ", localNlist=" + localNlist
        + ", localNprobe=" + localNprobe
        + ", partitions=" + partitions + ", requestTimeout=" + requestTimeout + ", maxAttempts="
        + maxAttempts
        + ", retryBackoff=" + retryBackoff + ", maxConcurrentCalls=" + maxConcurrentCalls
        + ", writeBatchRows=" + writeBatchRows + "]";
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException("invalid milvus index config: " + message);
    }
  }
}
