package io.doppel.standalone.faults;

import io.doppel.matcher.index.MilvusIndexConfig;
import io.milvus.orm.iterator.QueryIterator;
import io.milvus.response.QueryResultsWrapper;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.service.collection.request.DropCollectionReq;
import io.milvus.v2.service.collection.request.HasCollectionReq;
import io.milvus.v2.service.utility.request.FlushReq;
import io.milvus.v2.service.vector.request.QueryIteratorReq;
import io.milvus.v2.service.vector.request.QueryReq;
import io.milvus.v2.service.vector.response.QueryResp;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the matcher's Milvus collections directly through the SDK, to count index entries per image
 * and find primary keys stored more than once; drops them before a run so each run starts empty.
 */
final class MilvusIndexEntries {

  private static final String PK = "pk";
  private static final String IMAGE_KEY = "image_key";
  /** Milvus' cap on the rows of one query request. */
  private static final long BATCH = 16_384;
  private static final String COUNT = "count(*)";
  private static final String EVERY_ROW = PK + " != \"\"";
  private static final int READ_ATTEMPTS = 5;
  private static final Duration BETWEEN_READS = Duration.ofSeconds(10);

  /**
   * One collection: rows per image key and primary keys seen more than once, as a query iterates them,
   * and Milvus' own {@code count(*)}, which counts stored rows even where queries merge rows of one key.
   */
  record Entries(String collection, Map<String, Integer> rowsPerImage, Map<String, Integer> repeatedKeys, long counted) {
    long rows() {
      return rowsPerImage.values().stream().mapToLong(Integer::longValue).sum();
    }
  }

  private MilvusIndexEntries() {}

  /** Both collections of {@code config}: global vectors, then keypoints. */
  static List<Entries> read(MilvusIndexConfig config) {
    MilvusClientV2 client = client(config);
    try {
      return List.of(read(client, config.globalCollection()), read(client, config.localCollection()));
    } finally {
      client.close();
    }
  }

  static void drop(MilvusIndexConfig config) {
    MilvusClientV2 client = client(config);
    try {
      for (String collection : List.of(config.globalCollection(), config.localCollection())) {
        if (client.hasCollection(HasCollectionReq.builder().collectionName(collection).build())) {
          client.dropCollection(DropCollectionReq.builder().collectionName(collection).build());
        }
      }
    } finally {
      client.close();
    }
  }

  /**
   * Reads {@code collection} until a full pass agrees with {@code count(*)} or with the pass before it, at most {@value
   * #READ_ATTEMPTS} times: in a clean-clone run on a loaded machine, the first pass after the faulted run (Milvus
   * restarted minutes before) read 161,072 of 298,993 rows, the next ones all of them. Each pass first flushes, so
   * growing segments are sealed and deletes applied.
   */
  private static Entries read(MilvusClientV2 client, String collection) {
    Entries entries = null;
    for (int attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      Entries previous = entries;
      if (previous != null) {
        System.out.printf("faults-real: %s: read %d rows, count(*) %d; reading again in %d s%n", collection, previous.rows(),
            previous.counted(), BETWEEN_READS.toSeconds());
        sleep(BETWEEN_READS);
      }
      try {
        client.flush(FlushReq.builder().collectionNames(List.of(collection)).build());
      } catch (RuntimeException e) {
        System.out.printf("faults-real: %s: flush before reading failed (%s); reading anyway%n", collection, e.getMessage());
      }
      entries = readOnce(client, collection);
      if (entries.rows() == entries.counted() || previous != null && entries.rows() == previous.rows()) {
        break;
      }
    }
    return entries;
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting to read Milvus again", e);
    }
  }

  private static Entries readOnce(MilvusClientV2 client, String collection) {
    Map<String, Integer> rowsPerImage = new TreeMap<>();
    Map<String, Integer> timesPerKey = new HashMap<>();
    QueryIterator rows = client.queryIterator(QueryIteratorReq.builder()
        .collectionName(collection)
        .expr(EVERY_ROW)
        .outputFields(List.of(PK, IMAGE_KEY))
        .batchSize(BATCH)
        .consistencyLevel(ConsistencyLevel.STRONG)
        .build());
    try {
      for (List<QueryResultsWrapper.RowRecord> batch = rows.next(); !batch.isEmpty(); batch = rows.next()) {
        for (QueryResultsWrapper.RowRecord row : batch) {
          rowsPerImage.merge((String) row.get(IMAGE_KEY), 1, Integer::sum);
          timesPerKey.merge((String) row.get(PK), 1, Integer::sum);
        }
      }
    } finally {
      rows.close();
    }
    Map<String, Integer> repeated = new TreeMap<>();
    timesPerKey.forEach((key, times) -> {
      if (times > 1) {
        repeated.put(key, times);
      }
    });
    QueryResp count = client.query(QueryReq.builder().collectionName(collection).filter(EVERY_ROW)
        .outputFields(List.of(COUNT)).consistencyLevel(ConsistencyLevel.STRONG).build());
    long counted = ((Number) count.getQueryResults().getFirst().getEntity().get(COUNT)).longValue();
    return new Entries(collection, rowsPerImage, repeated, counted);
  }

  /**
   * The images of {@code entries} whose rows Milvus counts more often than a query returns them ({@code count(*)} per
   * image against the rows read): a primary key stored twice, which queries answer once, or a stale count.
   */
  static Map<String, Long> overCounted(MilvusIndexConfig config, Entries entries) {
    Map<String, Long> overCounted = new TreeMap<>();
    MilvusClientV2 client = client(config);
    try {
      entries.rowsPerImage().forEach((imageKey, rows) -> {
        QueryResp count = client.query(QueryReq.builder().collectionName(entries.collection())
            .filter(IMAGE_KEY + " == \"" + imageKey.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
            .outputFields(List.of(COUNT)).consistencyLevel(ConsistencyLevel.STRONG).build());
        long counted = ((Number) count.getQueryResults().getFirst().getEntity().get(COUNT)).longValue();
        if (counted != rows) {
          overCounted.put(imageKey, counted - rows);
        }
      });
    } finally {
      client.close();
    }
    return overCounted;
  }

  private static MilvusClientV2 client(MilvusIndexConfig config) {
    return new MilvusClientV2(ConnectConfig.builder().uri(config.uri())
        .rpcDeadlineMs(config.requestTimeout().toMillis()).build());
  }
}
