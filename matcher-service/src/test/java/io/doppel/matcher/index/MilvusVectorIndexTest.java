package io.doppel.matcher.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
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
  void unreachableServerIsReportedAsUnavailable() {
    MilvusIndexConfig unreachable = new MilvusIndexConfig("http://127.0.0.1:1", "user:secret-token", null, RUN_MODEL, DIMENSIONS,
        MilvusIndexConfig.GlobalIndex.FLAT, MilvusIndexConfig.LocalIndex.BIN_FLAT, 1, Duration.ofMillis(500), 2, Duration.ofMillis(10), 1, 10);

    assertThat(unreachable.toString()).doesNotContain("secret-token");
    assertThatThrownBy(() -> MilvusVectorIndex.open(unreachable))
        .isInstanceOf(IndexUnavailableException.class).hasMessageNotContaining("secret-token");
  }
}
