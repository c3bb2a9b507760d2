package io.doppel.matcher.index.milvus;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.LocalVotes;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.index.VectorIndexContract;
import io.doppel.schemas.avro.Purpose;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.service.index.request.DescribeIndexReq;
import io.milvus.v2.service.index.response.DescribeIndexResp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The contract on a real Milvus server with the keypoints in a BIN_IVF_FLAT index, the index a large deployment
 * chooses ({@code docs/sizing.md}). Every cluster is probed ({@code nprobe = nlist}), so the search is exhaustive and
 * the contract's exact answers hold; what fewer probes cost in recall is {@code ./doppel bench-index}'s to measure.
 */
@ExtendWith(MilvusServerExtension.class)
class MilvusIvfVectorIndexIT extends VectorIndexContract {

  private static final ModelKey RUN_MODEL =
      new ModelKey("contract-ivf-" + UUID.randomUUID().toString().substring(0, 8), "1");
  private static final int NLIST = 8;
  /** Past the 1,024 rows below which Milvus leaves a sealed segment without an index. */
  private static final int SEALED_IMAGES = 40;

  private static final int KEYPOINTS_PER_IMAGE = 60;
  private static final String SEALED_TENANT = "sealed";

  private static MilvusVectorIndex index;
  private static MilvusIndexConfig config;

  @BeforeAll
  static void open() {
    config = MilvusVectorIndexIT.config(RUN_MODEL, DIMENSIONS)
        .withLocalIndex(MilvusIndexConfig.LocalIndex.BIN_IVF_FLAT, NLIST, NLIST);
    index = MilvusVectorIndex.open(config);
  }

  @AfterAll
  static void close() {
    if (index != null) {
      index.close();
    }
  }

  @Override
  protected VectorIndex index() {
    return index;
  }

  @Test
  void afterSealingEveryRowIsInTheBuiltIndexAndAnImageIsFoundThroughIt() {
    List<IndexedImage> images = new ArrayList<>();
    for (int i = 0; i < SEALED_IMAGES; i++) {
      images.add(new IndexedImage(
          new ImageRef(SEALED_TENANT, "sealed-" + i),
          Purpose.UPLOAD,
          null,
          null,
          i,
          640,
          480,
          List.of(randomVector()),
          keypoints(KEYPOINTS_PER_IMAGE)));
    }
    index.upsertBatch(images);

    assertThat(index.sealAndAwaitIndexes(Duration.ofMinutes(2))).isTrue();

    DescribeIndexResp.IndexDesc local = describeLocalIndex();
    assertThat(local.getIndexedRows()).isEqualTo(local.getTotalRows()).isPositive();
    List<LocalVotes> votes = index.searchLocal(
        descriptorsOf(images.get(3).keypoints()),
        2,
        64,
        5,
        new Scope(Set.of(SEALED_TENANT), Set.of(), 0, null));
    assertThat(votes.get(0).ref().imageId()).isEqualTo("sealed-3");
  }

  @Test
  void theKeypointCollectionIsIndexedWithTheConfiguredClusters() {
    DescribeIndexResp.IndexDesc desc = describeLocalIndex();
    assertThat(desc.getIndexType().name()).isEqualTo("BIN_IVF_FLAT");
    assertThat(desc.getExtraParams()).containsEntry("nlist", String.valueOf(NLIST));
  }

  private static DescribeIndexResp.IndexDesc describeLocalIndex() {
    MilvusClientV2 client = new MilvusClientV2(
        ConnectConfig.builder().uri(MilvusServerExtension.uri()).build());
    try {
      return client
          .describeIndex(DescribeIndexReq.builder()
              .collectionName(config.localCollection())
              .fieldName("descriptor")
              .build())
          .getIndexDescriptions()
          .get(0);
    } finally {
      client.close();
    }
  }
}
