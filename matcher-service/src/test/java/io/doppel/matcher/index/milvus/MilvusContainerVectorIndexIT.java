package io.doppel.matcher.index.milvus;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.index.VectorIndexContract;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.milvus.MilvusContainer;

/** The contract against Milvus in Docker (Testcontainers), where Docker is present; skipped elsewhere. */
class MilvusContainerVectorIndexIT extends VectorIndexContract {

  /** A released Milvus standalone image: the production server line the adapter targets. */
  private static final String MILVUS_IMAGE = "milvusdb/milvus:v2.5.4";

  private static MilvusContainer milvus;
  private static MilvusVectorIndex index;

  @BeforeAll
  static void start() {
    assumeTrue(
        DockerClientFactory.instance().isDockerAvailable(),
        "Docker is not available here: the Testcontainers Milvus run is skipped; MilvusVectorIndexIT covers the contract"
            + " against the server scripts/milvus-server.sh starts");
    milvus = new MilvusContainer(MILVUS_IMAGE);
    milvus.start();
    ModelKey model = new ModelKey("contract-" + UUID.randomUUID().toString().substring(0, 8), "1");
    index = MilvusVectorIndex.open(MilvusIndexConfig.of(
        milvus.getEndpoint(), null, model, DIMENSIONS, MilvusIndexConfig.GlobalIndex.HNSW));
  }

  @AfterAll
  static void stop() {
    if (index != null) {
      index.close();
    }
    if (milvus != null) {
      milvus.stop();
    }
  }

  @Override
  protected VectorIndex index() {
    return index;
  }
}
