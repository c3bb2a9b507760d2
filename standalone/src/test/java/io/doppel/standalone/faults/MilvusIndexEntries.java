package io.doppel.standalone.faults;

import io.doppel.matcher.index.milvus.FilterExpressions;
import io.doppel.matcher.index.milvus.MilvusIndexConfig;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.service.collection.request.DropCollectionReq;
import io.milvus.v2.service.collection.request.HasCollectionReq;
import io.milvus.v2.service.utility.request.FlushReq;
import io.milvus.v2.service.vector.request.QueryReq;
import io.milvus.v2.service.vector.response.QueryResp;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the matcher's Milvus collections directly through the SDK, to count index entries per image
 * and find primary keys stored more than once; drops them before a run so each run starts empty.
 * Rows are read by batches of image ids, not with a query iterator: after a Milvus restart the
 * iterator can end early, reading a fraction of the rows, pass after pass.
 */
final class MilvusIndexEntries {

  private static final String PK = "pk";
  private static final String IMAGE_KEY = "image_key";
  private static final String TENANT = "tenant";
  private static final String IMAGE_ID = "image_id";
  /** Milvus' cap on the rows of one query request. */
  private static final long MAX_ROWS = 16_384;
  /** Images per query: 100 × 150 keypoints stays under {@link #MAX_ROWS}. */
  private static final int IMAGES_PER_QUERY = 100;

  private static final String COUNT = "count(*)";
  private static final int READ_ATTEMPTS = 5;
  private static final Duration BETWEEN_READS = Duration.ofSeconds(10);

  /**
   * One collection: rows per image key and primary keys seen more than once, as queries return them,
   * and Milvus' own {@code count(*)}, which counts stored rows even where queries merge rows of one key.
   */
  record Entries(
      String collection,
      Map<String, Integer> rowsPerImage,
      Map<String, Integer> repeatedKeys,
      long counted) {
    long rows() {
      return rowsPerImage.values().stream().mapToLong(Integer::longValue).sum();
    }
  }

  private MilvusIndexEntries() {}

  /** Both collections of {@code config} (global vectors, then keypoints), for the images {@code imageIds} of {@code tenant}. */
  static List<Entries> read(MilvusIndexConfig config, String tenant, List<String> imageIds) {
    MilvusClientV2 client = client(config);
    try {
      return List.of(
          read(client, config.globalCollection(), tenant, imageIds),
          read(client, config.localCollection(), tenant, imageIds));
    } finally {
      client.close();
    }
  }

  static void drop(MilvusIndexConfig config) {
    MilvusClientV2 client = client(config);
    try {
      for (String collection : List.of(config.globalCollection(), config.localCollection())) {
        if (client.hasCollection(
            HasCollectionReq.builder().collectionName(collection).build())) {
          client.dropCollection(
              DropCollectionReq.builder().collectionName(collection).build());
        }
      }
    } finally {
      client.close();
    }
  }

  /**
   * Reads {@code collection} until a full pass agrees with {@code count(*)} or with the pass before it, at most {@value
   * #READ_ATTEMPTS} times: right after a Milvus restart reads can come back short. Each pass first flushes, so growing
   * segments are sealed and deletes applied.
   */
  private static Entries read(
      MilvusClientV2 client, String collection, String tenant, List<String> imageIds) {
    Entries entries = null;
    for (int attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      Entries previous = entries;
      if (previous != null) {
        System.out.printf(
            "faults-real: %s: read %d rows, count(*) %d; reading again in %d s%n",
            collection, previous.rows(), previous.counted(), BETWEEN_READS.toSeconds());
        sleep(BETWEEN_READS);
      }
      try {
        client.flush(FlushReq.builder().collectionNames(List.of(collection)).build());
      } catch (RuntimeException e) {
        System.out.printf(
            "faults-real: %s: flush before reading failed (%s); reading anyway%n",
            collection, e.getMessage());
      }
      entries = readOnce(client, collection, tenant, imageIds);
      if (entries.rows() == entries.counted()
          || previous != null && entries.rows() == previous.rows()) {
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

  private static Entries readOnce(
      MilvusClientV2 client, String collection, String tenant, List<String> imageIds) {
    Map<String, Integer> rowsPerImage = new TreeMap<>();
    Map<String, Integer> timesPerKey = new HashMap<>();
    long counted = 0;
    for (int from = 0; from < imageIds.size(); from += IMAGES_PER_QUERY) {
      String filter = FilterExpressions.equalTo(TENANT, tenant) + " && "
          + FilterExpressions.in(
              IMAGE_ID, imageIds.subList(from, Math.min(imageIds.size(), from + IMAGES_PER_QUERY)));
      QueryResp rows = client.query(QueryReq.builder()
          .collectionName(collection)
          .filter(filter)
          .outputFields(List.of(PK, IMAGE_KEY))
          .limit(MAX_ROWS)
          .consistencyLevel(ConsistencyLevel.STRONG)
          .build());
      for (QueryResp.QueryResult row : rows.getQueryResults()) {
        rowsPerImage.merge((String) row.getEntity().get(IMAGE_KEY), 1, Integer::sum);
        timesPerKey.merge((String) row.getEntity().get(PK), 1, Integer::sum);
      }
      counted += count(client, collection, filter);
    }
    Map<String, Integer> repeated = new TreeMap<>();
    timesPerKey.forEach((key, times) -> {
      if (times > 1) {
        repeated.put(key, times);
      }
    });
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
        long counted =
            count(client, entries.collection(), FilterExpressions.equalTo(IMAGE_KEY, imageKey));
        if (counted != rows) {
          overCounted.put(imageKey, counted - rows);
        }
      });
    } finally {
      client.close();
    }
    return overCounted;
  }

  /** One image read on its own: the rows a query returns and Milvus' {@code count(*)}. */
  record ImageRows(int rows, long counted) {
    @Override
    public String toString() {
      return rows + " rows, count(*) " + counted;
    }
  }

  /**
   * Each image of {@code imageKeys} read on its own, once {@link #BETWEEN_READS} has passed: where a later read gives
   * the fault-free rows, the difference came from reading a Milvus that was still settling, not from what it stores.
   */
  static Map<String, ImageRows> reread(
      MilvusIndexConfig config, String collection, Set<String> imageKeys) {
    sleep(BETWEEN_READS);
    Map<String, ImageRows> reread = new TreeMap<>();
    MilvusClientV2 client = client(config);
    try {
      client.flush(FlushReq.builder().collectionNames(List.of(collection)).build());
      for (String imageKey : imageKeys) {
        String filter = FilterExpressions.equalTo(IMAGE_KEY, imageKey);
        QueryResp rows = client.query(QueryReq.builder()
            .collectionName(collection)
            .filter(filter)
            .outputFields(List.of(PK))
            .limit(MAX_ROWS)
            .consistencyLevel(ConsistencyLevel.STRONG)
            .build());
        reread.put(
            imageKey,
            new ImageRows(rows.getQueryResults().size(), count(client, collection, filter)));
      }
    } finally {
      client.close();
    }
    return reread;
  }

  private static long count(MilvusClientV2 client, String collection, String filter) {
    QueryResp count = client.query(QueryReq.builder()
        .collectionName(collection)
        .filter(filter)
        .outputFields(List.of(COUNT))
        .consistencyLevel(ConsistencyLevel.STRONG)
        .build());
    return ((Number) count.getQueryResults().getFirst().getEntity().get(COUNT)).longValue();
  }

  private static MilvusClientV2 client(MilvusIndexConfig config) {
    return new MilvusClientV2(ConnectConfig.builder()
        .uri(config.uri())
        .rpcDeadlineMs(config.requestTimeout().toMillis())
        .build());
  }
}
