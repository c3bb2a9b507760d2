package io.doppel.matcher.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LuceneVectorIndexTest extends VectorIndexContract {

  @TempDir Path directory;
  private LuceneVectorIndex index;

  @BeforeEach
  void open() {
    index = LuceneVectorIndex.open(LuceneIndexConfig.of(directory, MODEL));
  }

  @AfterEach
  void close() {
    index.close();
  }

  @Override
  protected VectorIndex index() {
    return index;
  }

  @Test
  void writesSurviveReopening() {
    IndexedImage image = upload("tenant", "img-1");
    index.upsert(image);
    index.close();

    index = LuceneVectorIndex.open(LuceneIndexConfig.of(directory, MODEL));

    assertThat(index.searchGlobal(image.globals().get(0), 1, uploadsOf("tenant"))).extracting(GlobalHit::ref).containsExactly(image.ref());
    assertThat(index.keypoints(image.ref())).usingRecursiveComparison().isEqualTo(image.keypoints());
  }

  @Test
  void eachModelVersionHasItsOwnIndex() {
    assertThat(LuceneIndexConfig.of(directory, new ModelKey("dinov2-small", "1.2")).indexDirectory())
        .isNotEqualTo(LuceneIndexConfig.of(directory, new ModelKey("dinov2-small", "1.3")).indexDirectory())
        .hasFileName("doppel_v1_dinov2_small_1_2");
  }

  @Test
  void keypointBucketsFindTheSourceImageAmongThousandsOfDescriptors() {
    int images = 200;
    List<IndexedImage> indexed = new java.util.ArrayList<>();
    for (int i = 0; i < images; i++) {
      IndexedImage image = upload("tenant", "img-" + i);
      indexed.add(image);
      index.upsert(image);
    }
    index.forceMerge();
    IndexedImage source = indexed.get(images / 2);
    List<byte[]> descriptors = descriptorsOf(source.keypoints());
    for (byte[] descriptor : descriptors) {
      descriptor[0] ^= 0b0000_0111;
    }

    List<LocalVotes> votes = index.searchLocal(descriptors, 2, 16, 5, uploadsOf("tenant"));

    assertThat(votes.get(0).ref()).isEqualTo(source.ref());
    assertThat(votes.get(0).votes()).isGreaterThanOrEqualTo(descriptors.size() * 9 / 10);
  }

  @Test
  void keypointBucketsFindTheSourceImageAcrossUnmergedSegments() {
    List<IndexedImage> indexed = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      IndexedImage image = upload("tenant", "img-" + i);
      indexed.add(image);
      index.upsert(image);
      index.refresh();
    }
    IndexedImage source = indexed.get(17);
    List<byte[]> descriptors = descriptorsOf(source.keypoints());
    for (byte[] descriptor : descriptors) {
      descriptor[5] ^= 0b0101_0101;
    }

    List<LocalVotes> votes = index.searchLocal(descriptors, 2, 16, 5, uploadsOf("tenant"));

    assertThat(votes.get(0).ref()).isEqualTo(source.ref());
    assertThat(votes.get(0).votes()).isEqualTo(descriptors.size());
  }

  @Test
  void anIndexWrittenWithTheEarlierHammingGraphFormatOpensAndMergesIntoTheFlatOne() {
    index.close();
    IndexedImage old = upload("tenant", "written-before");
    try (LuceneVectorIndex before = LuceneVectorIndex.open(LuceneIndexConfig.of(directory, MODEL), new HammingHnswVectorsFormat(8, 32))) {
      before.upsert(old);
    }
    index = LuceneVectorIndex.open(LuceneIndexConfig.of(directory, MODEL));
    IndexedImage recent = upload("tenant", "written-after");
    index.upsert(recent);
    index.refresh();

    for (IndexedImage image : List.of(old, recent)) {
      assertThat(index.searchLocal(descriptorsOf(image.keypoints()), 2, 16, 5, uploadsOf("tenant")).get(0).ref()).isEqualTo(image.ref());
    }
    index.forceMerge();
    for (IndexedImage image : List.of(old, recent)) {
      assertThat(index.searchLocal(descriptorsOf(image.keypoints()), 2, 16, 5, uploadsOf("tenant")).get(0).ref()).isEqualTo(image.ref());
    }
  }

  @Test
  void aScopeKeptFromAnEarlierSearchStillDropsDeletedAndExcludedImages() {
    IndexedImage deleted = upload("tenant", "deleted");
    IndexedImage excluded = upload("tenant", "excluded");
    index.upsert(deleted);
    index.upsert(excluded);
    index.refresh();
    assertThat(index.searchLocal(descriptorsOf(deleted.keypoints()), 2, 16, 5, uploadsOf("tenant")))
        .extracting(LocalVotes::ref).contains(deleted.ref());

    index.delete(deleted.ref());
    index.refresh();

    assertThat(index.searchLocal(descriptorsOf(deleted.keypoints()), 2, 16, 5, uploadsOf("tenant")))
        .extracting(LocalVotes::ref).doesNotContain(deleted.ref());
    Scope allButExcluded = new Scope(java.util.Set.of("tenant"), java.util.Set.of(), Scope.ALL_TIME, excluded.ref());
    assertThat(index.searchLocal(descriptorsOf(excluded.keypoints()), 2, 16, 5, uploadsOf("tenant")))
        .extracting(LocalVotes::ref).contains(excluded.ref());
    assertThat(index.searchLocal(descriptorsOf(excluded.keypoints()), 2, 16, 5, allButExcluded))
        .extracting(LocalVotes::ref).doesNotContain(excluded.ref());
  }

  @Test
  void hammingGraphFormatCountsDifferingBits() {
    byte[] a = new byte[BinaryDescriptors.BYTES];
    byte[] b = a.clone();
    b[0] = (byte) 0xFF;
    b[31] = 0b0000_0001;
    assertThat(HammingHnswVectorsFormat.hamming(a, b)).isEqualTo(9);
  }
}
