package io.doppel.matcher.index.milvus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchRuntimeException;

import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexUnavailableException;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.index.VectorIndexContract;
import io.doppel.schemas.avro.Purpose;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.exception.MilvusClientException;
import io.milvus.v2.service.vector.request.QueryReq;
import io.milvus.v2.service.vector.request.SearchReq;
import io.milvus.v2.service.vector.request.data.FloatVec;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The contract against a real Milvus server started by {@code scripts/milvus-server.sh} (or {@code DOPPEL_MILVUS_URI}). */
@ExtendWith(MilvusServerExtension.class)
class MilvusVectorIndexIT extends VectorIndexContract {

  /** Unique per run, so an external server keeps no state between runs that could mask a bug. */
  private static final ModelKey RUN_MODEL =
      new ModelKey("contract-" + UUID.randomUUID().toString().substring(0, 8), "1");

  private static MilvusVectorIndex index;
  /** Past Milvus' cap on topK (16,384). */
  private static final int TOO_MANY = 20_000;
  /** Enough keypoints for their insert to be far larger than the margin below. */
  private static final int LOST_ANSWER_KEYPOINTS = 400;

  private static final long LOST_ANSWER_MARGIN_BYTES = 2_048;
  private static final Duration LOST_ANSWER_CLOSE_AFTER = Duration.ofMillis(500);
  private static final long LOST_ANSWER_INDEXED_AT = 1_700_000_000_000L;

  @BeforeAll
  static void open() {
    index = MilvusVectorIndex.open(config(RUN_MODEL, DIMENSIONS));
  }

  @AfterAll
  static void close() {
    if (index != null) {
      index.close();
    }
  }

  static MilvusIndexConfig config(ModelKey model, int dimensions) {
    return MilvusIndexConfig.of(
        MilvusServerExtension.uri(), null, model, dimensions, MilvusIndexConfig.GlobalIndex.HNSW);
  }

  @Override
  protected VectorIndex index() {
    return index;
  }

  @Test
  void reopeningValidatesTheExistingCollections() {
    try (MilvusVectorIndex again = MilvusVectorIndex.open(config(RUN_MODEL, DIMENSIONS))) {
      assertThat(again.contains(new ImageRef("nobody", "nothing"))).isFalse();
    }
    assertThatThrownBy(() -> MilvusVectorIndex.open(config(RUN_MODEL, DIMENSIONS * 2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("another schema");
  }

  @Test
  void aRequestMilvusRefusesIsBadInputNotAnOutage() {
    String collection = config(RUN_MODEL, DIMENSIONS).globalCollection();
    MilvusClientV2 client = new MilvusClientV2(
        ConnectConfig.builder().uri(MilvusServerExtension.uri()).build());
    try {
      RuntimeException unparsable = catchRuntimeException(() -> client.query(QueryReq.builder()
          .collectionName(collection)
          .filter("indexed_at >= " + Long.MIN_VALUE)
          .outputFields(List.of("pk"))
          .limit(1)
          .build()));
      RuntimeException tooMany = catchRuntimeException(() -> client.search(SearchReq.builder()
          .collectionName(collection)
          .annsField("vector")
          .data(List.of(new FloatVec(randomVector())))
          .topK(TOO_MANY)
          .build()));
      System.out.printf(
          "milvus refusals: unparsable filter -> %s; topK %d -> %s%n",
          describe(unparsable), TOO_MANY, describe(tooMany));

      assertThat(MilvusVectorIndex.isRejectedRequest(unparsable))
          .as("unparsable filter: %s", describe(unparsable))
          .isTrue();
      assertThat(MilvusVectorIndex.isRejectedRequest(tooMany))
          .as("topK %d: %s", TOO_MANY, describe(tooMany))
          .isTrue();
    } finally {
      client.close();
    }
    RuntimeException outage = catchRuntimeException(() -> new MilvusClientV2(ConnectConfig.builder()
        .uri("http://127.0.0.1:1")
        .connectTimeoutMs(500)
        .rpcDeadlineMs(500)
        .build()));
    assertThat(outage).as("connecting to a closed port").isNotNull();
    assertThat(MilvusVectorIndex.isRejectedRequest(outage))
        .as("no server: %s", describe(outage))
        .isFalse();
  }

  /**
   * An insert that lands in Milvus but whose answer is lost (the connection drops in between) must not be stored twice:
   * the SDK's own retry would send the insert again alone, so the adapter turns it off and repeats delete-then-insert.
   */
  @Test
  void anInsertWhoseAnswerIsLostIsStoredOnce() throws Exception {
    String tenant = "lost-answer-" + UUID.randomUUID().toString().substring(0, 8);
    IndexedImage image = new IndexedImage(
        new ImageRef(tenant, "img-1"),
        Purpose.UPLOAD,
        null,
        null,
        LOST_ANSWER_INDEXED_AT,
        640,
        480,
        List.of(randomVector()),
        keypoints(LOST_ANSWER_KEYPOINTS));
    MilvusIndexConfig direct = config(RUN_MODEL, DIMENSIONS);
    try (AnswerLosingProxy proxy =
        AnswerLosingProxy.start(URI.create(MilvusServerExtension.uri()))) {
      MilvusIndexConfig viaProxy = new MilvusIndexConfig(
          proxy.uri(),
          null,
          null,
          RUN_MODEL,
          DIMENSIONS,
          direct.globalIndex(),
          direct.localIndex(),
          direct.localNlist(),
          direct.localNprobe(),
          direct.partitions(),
          direct.requestTimeout(),
          direct.maxAttempts(),
          direct.retryBackoff(),
          direct.maxConcurrentCalls(),
          direct.writeBatchRows());
      try (MilvusVectorIndex index = MilvusVectorIndex.open(viaProxy)) {
        index.upsert(image);
        long before = proxy.clientBytes();
        index.upsert(image);
        long bytesPerUpsert = proxy.clientBytes() - before;
        // the keypoint insert is an upsert's last and largest request: the mark falls inside it
        proxy.loseAnswerAt(
            proxy.clientBytes() + bytesPerUpsert - LOST_ANSWER_MARGIN_BYTES,
            LOST_ANSWER_CLOSE_AFTER);
        index.upsert(image);
        System.out.printf(
            "lost answer: %d bytes per upsert, %d bytes in the last%n",
            bytesPerUpsert, proxy.clientBytes() - before - bytesPerUpsert);
        assertThat(proxy.answersLost()).as("answers lost during the upsert").isEqualTo(1);
      }
    }
    // count(*), not the rows a query returns: query results hold one row per primary key,
    // duplicates or not
    Map<String, Long> expectedRows = Map.of(
        direct.globalCollection(), 1L, direct.localCollection(), (long) LOST_ANSWER_KEYPOINTS);
    MilvusClientV2 client = new MilvusClientV2(
        ConnectConfig.builder().uri(MilvusServerExtension.uri()).build());
    try {
      String filter =
          "image_key == \"" + io.doppel.matcher.index.IndexSupport.imageKey(image.ref()) + "\"";
      expectedRows.forEach((collection, expected) -> {
        Object counted = client
            .query(QueryReq.builder()
                .collectionName(collection)
                .filter(filter)
                .outputFields(List.of("count(*)"))
                .consistencyLevel(ConsistencyLevel.STRONG)
                .build())
            .getQueryResults()
            .get(0)
            .getEntity()
            .get("count(*)");
        assertThat(counted).as("rows of the image in %s", collection).isEqualTo(expected);
      });
    } finally {
      client.close();
    }
  }

  private static String describe(RuntimeException e) {
    return e instanceof MilvusClientException m
        ? m.getErrorCode() + " server " + m.getServerErrCode() + " legacy "
            + m.getLegacyServerCode() + ": " + m.getMessage()
        : String.valueOf(e);
  }

  @Test
  void unreachableServerIsReportedAsUnavailable() {
    MilvusIndexConfig unreachable = new MilvusIndexConfig(
        "http://127.0.0.1:1",
        "user:secret-token",
        null,
        RUN_MODEL,
        DIMENSIONS,
        MilvusIndexConfig.GlobalIndex.FLAT,
        MilvusIndexConfig.LocalIndex.BIN_FLAT,
        MilvusIndexConfig.DEFAULT_LOCAL_NLIST,
        MilvusIndexConfig.DEFAULT_LOCAL_NPROBE,
        1,
        Duration.ofMillis(500),
        2,
        Duration.ofMillis(10),
        1,
        10);

    assertThat(unreachable.toString()).doesNotContain("secret-token");
    assertThatThrownBy(() -> MilvusVectorIndex.open(unreachable))
        .isInstanceOf(IndexUnavailableException.class)
        .hasMessageNotContaining("secret-token");
  }
}
