package io.doppel.matcher.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchRuntimeException;

import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.exception.MilvusClientException;
import io.milvus.v2.service.vector.request.QueryReq;
import io.milvus.v2.service.vector.request.SearchReq;
import io.milvus.v2.service.vector.request.data.FloatVec;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The contract against a real Milvus server started by {@code scripts/milvus-server.sh} (or {@code DOPPEL_MILVUS_URI}). */
@ExtendWith(MilvusServerExtension.class)
class MilvusVectorIndexTest extends VectorIndexContract {

  /** Unique per run, so an external server keeps no state between runs that could mask a bug. */
  private static final ModelKey RUN_MODEL = new ModelKey("contract-" + UUID.randomUUID().toString().substring(0, 8), "1");
  private static MilvusVectorIndex index;
  /** Past Milvus' cap on topK (16,384). */
  private static final int TOO_MANY = 20_000;

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
    return MilvusIndexConfig.of(MilvusServerExtension.uri(), null, model, dimensions, MilvusIndexConfig.GlobalIndex.HNSW);
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
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("another schema");
  }

  @Test
  void aRequestMilvusRefusesIsBadInputNotAnOutage() {
    String collection = config(RUN_MODEL, DIMENSIONS).globalCollection();
    MilvusClientV2 client = new MilvusClientV2(ConnectConfig.builder().uri(MilvusServerExtension.uri()).build());
    try {
      RuntimeException unparsable = catchRuntimeException(() -> client.query(QueryReq.builder().collectionName(collection)
          .filter("indexed_at >= " + Long.MIN_VALUE).outputFields(List.of("pk")).limit(1).build()));
      RuntimeException tooMany = catchRuntimeException(() -> client.search(SearchReq.builder().collectionName(collection)
          .annsField("vector").data(List.of(new FloatVec(randomVector()))).topK(TOO_MANY).build()));
      System.out.printf("milvus refusals: unparsable filter -> %s; topK %d -> %s%n", describe(unparsable), TOO_MANY, describe(tooMany));

      assertThat(MilvusVectorIndex.isRejectedRequest(unparsable)).as("unparsable filter: %s", describe(unparsable)).isTrue();
      assertThat(MilvusVectorIndex.isRejectedRequest(tooMany)).as("topK %d: %s", TOO_MANY, describe(tooMany)).isTrue();
    } finally {
      client.close();
    }
    RuntimeException outage = catchRuntimeException(() -> new MilvusClientV2(ConnectConfig.builder().uri("http://127.0.0.1:1")
        .connectTimeoutMs(500).rpcDeadlineMs(500).build()));
    assertThat(outage).as("connecting to a closed port").isNotNull();
    assertThat(MilvusVectorIndex.isRejectedRequest(outage)).as("no server: %s", describe(outage)).isFalse();
  }

  private static String describe(RuntimeException e) {
    return e instanceof MilvusClientException m
        ? m.getErrorCode() + " server " + m.getServerErrCode() + " legacy " + m.getLegacyServerCode() + ": " + m.getMessage()
        : String.valueOf(e);
  }

  @Test
  void unreachableServerIsReportedAsUnavailable() {
    MilvusIndexConfig unreachable = new MilvusIndexConfig("http://127.0.0.1:1", "user:secret-token", null, RUN_MODEL, DIMENSIONS,
        MilvusIndexConfig.GlobalIndex.FLAT, MilvusIndexConfig.LocalIndex.BIN_FLAT, 1, Duration.ofMillis(500), 2, Duration.ofMillis(10), 1, 10);

    assertThat(unreachable.toString()).doesNotContain("secret-token");
    assertThatThrownBy(() -> MilvusVectorIndex.open(unreachable))
        .isInstanceOf(IndexUnavailableException.class).hasMessageNotContaining("secret-token");
  }
}
