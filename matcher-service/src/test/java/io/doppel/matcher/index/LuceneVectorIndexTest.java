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
  void hammingGraphFindsTheSourceImageAmongThousandsOfDescriptors() {
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
  void hammingIsRecoveredExactlyFromLuceneScores() {
    for (int hamming : List.of(0, 1, 17, 128, 256)) {
      assertThat(LuceneVectorIndex.hammingFromScore(1f / (1 + hamming))).isEqualTo(hamming);
    }
    byte[] a = new byte[BinaryDescriptors.BYTES];
    byte[] b = a.clone();
    b[0] = (byte) 0xFF;
    b[31] = 0b0000_0001;
    assertThat(HammingHnswVectorsFormat.hamming(a, b)).isEqualTo(9);
    assertThat(LuceneVectorIndex.hammingFromScore(HammingHnswVectorsFormat.score(a, b))).isEqualTo(9);
  }
}
