package io.doppel.matcher.index.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.matcher.index.BinaryDescriptors;
import io.doppel.matcher.index.GlobalHit;
import io.doppel.matcher.index.ImageMeta;
import io.doppel.matcher.index.IndexUnavailableException;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.LocalVotes;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.index.VectorIndexContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract with the default write batching (the latest writes searched in memory), and the Lucene specifics. */
class LuceneVectorIndexTest extends VectorIndexContract {

  /** The contract again with every write reopened into a segment at once: the reader's path alone. */
  @Nested
  class EveryWriteInASegment extends VectorIndexContract {

    @TempDir
    Path ownDirectory;

    private LuceneVectorIndex segmented;

    @BeforeEach
    void open() {
      segmented = LuceneVectorIndex.open(
          LuceneIndexConfig.of(ownDirectory, MODEL).withWriteBatching(1, Duration.ZERO));
    }

    @AfterEach
    void close() {
      segmented.close();
    }

    @Override
    protected VectorIndex index() {
      return segmented;
    }
  }

  @TempDir
  Path directory;

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

    assertThat(index.searchGlobal(image.globals().get(0), 1, uploadsOf("tenant")))
        .extracting(GlobalHit::ref)
        .containsExactly(image.ref());
    assertThat(index.keypoints(image.ref()))
        .usingRecursiveComparison()
        .isEqualTo(image.keypoints());
  }

  @Test
  void aRecentWriteReplacesItsOlderVersionInTheReaderAtOnce() {
    index.close();
    index = LuceneVectorIndex.open(
        LuceneIndexConfig.of(directory, MODEL).withWriteBatching(2, Duration.ofHours(1)));
    IndexedImage first = upload("tenant", "replaced");
    IndexedImage deleted = upload("tenant", "deleted");
    index.upsert(first);
    index.upsert(deleted);
    IndexedImage second = upload("tenant", "replaced");

    index.upsert(second);
    index.delete(deleted.ref());

    assertThat(index.searchGlobal(second.globals().get(0), 5, uploadsOf("tenant")))
        .as("the replaced image once, with its new vector")
        .singleElement()
        .satisfies(hit -> assertThat(hit.ref()).isEqualTo(second.ref()))
        .satisfies(hit -> assertThat(hit.similarity()).isGreaterThan(0.99f));
    assertThat(index.searchGlobal(first.globals().get(0), 5, uploadsOf("tenant")))
        .allSatisfy(
            hit -> assertThat(hit.similarity()).as("the old vector is gone").isLessThan(0.9f));
    assertThat(index.searchLocal(descriptorsOf(first.keypoints()), 2, 16, 5, uploadsOf("tenant")))
        .isEmpty();
    assertThat(index.searchLocal(descriptorsOf(second.keypoints()), 2, 16, 5, uploadsOf("tenant")))
        .extracting(LocalVotes::ref)
        .containsExactly(second.ref());
    assertThat(index.keypoints(second.ref()))
        .usingRecursiveComparison()
        .isEqualTo(second.keypoints());
    assertThat(index.contains(deleted.ref())).isFalse();
    assertThat(index.keypoints(deleted.ref()).size()).isZero();
    assertThat(index.searchLocal(descriptorsOf(deleted.keypoints()), 2, 16, 5, uploadsOf("tenant")))
        .isEmpty();
  }

  @Test
  void writesCommittedOnlyToTheLogSurviveACrash() {
    index.close();
    index = LuceneVectorIndex.open(
        LuceneIndexConfig.of(directory, MODEL).withWriteBatching(1, Duration.ofHours(1)));
    IndexedImage kept = reference("holder", "kept", "set-a");
    IndexedImage deleted = upload("tenant", "deleted");
    index.upsert(kept);
    index.upsert(deleted);
    index.delete(deleted.ref());
    index.commit();

    index.crash();
    index = LuceneVectorIndex.open(LuceneIndexConfig.of(directory, MODEL));

    assertThat(index.searchGlobal(
            kept.globals().get(0),
            5,
            new Scope(Set.of("tenant"), Set.of("set-a"), Scope.ALL_TIME, null)))
        .extracting(GlobalHit::ref, GlobalHit::meta)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(
            kept.ref(),
            new ImageMeta(
                kept.purpose(),
                kept.rightsHolder(),
                kept.referenceSet(),
                kept.indexedAtMillis(),
                kept.width(),
                kept.height())));
    assertThat(index.keypoints(kept.ref())).usingRecursiveComparison().isEqualTo(kept.keypoints());
    assertThat(index.contains(deleted.ref())).isFalse();
  }

  /**
   * An id Lucene cannot hold (a term over 32,766 bytes) or the log cannot write (over 65,535 bytes) is refused as bad
   * input before it reaches the write-ahead log: never reported as an outage (which the matcher retries forever), and
   * never logged, so that the replay after a crash cannot meet it and keep the index from opening.
   */
  @Test
  void idsTooLongForTheIndexAreRefusedBeforeTheLogAndACrashLeavesAnIndexThatOpens() {
    index.close();
    index = LuceneVectorIndex.open(
        LuceneIndexConfig.of(directory, MODEL).withWriteBatching(1, Duration.ofHours(1)));
    IndexedImage fine = upload("tenant", "fine");
    index.upsert(fine);
    for (int length : List.of(40_000, 70_000)) {
      IndexedImage tooLong = upload("tenant", "x".repeat(length));
      assertThatThrownBy(() -> index.upsert(tooLong))
          .as("an id of %d bytes", length)
          .isInstanceOf(IllegalArgumentException.class)
          .isNotInstanceOf(IndexUnavailableException.class);
      assertThatThrownBy(() -> index.delete(tooLong.ref()))
          .as("a delete of an id of %d bytes", length)
          .isInstanceOf(IllegalArgumentException.class);
    }
    index.commit();
    index.crash();

    index = LuceneVectorIndex.open(LuceneIndexConfig.of(directory, MODEL));

    assertThat(index.contains(fine.ref())).isTrue();
  }

  @Test
  void aLogEndingInATornRecordKeepsTheRecordsBeforeIt() throws IOException {
    index.close();
    index = LuceneVectorIndex.open(
        LuceneIndexConfig.of(directory, MODEL).withWriteBatching(1, Duration.ofHours(1)));
    IndexedImage image = upload("tenant", "before-the-tear");
    index.upsert(image);
    index.commit();
    index.crash();
    Path log = LuceneIndexConfig.of(directory, MODEL)
        .indexDirectory()
        .resolve(LuceneVectorIndex.WRITE_LOG_FILE);
    Files.write(log, new byte[] {0, 0, 1, 0, 42, 42}, StandardOpenOption.APPEND);

    index = LuceneVectorIndex.open(LuceneIndexConfig.of(directory, MODEL));

    assertThat(index.contains(image.ref())).isTrue();
    assertThat(Files.size(log)).as("emptied once replayed and committed").isZero();
  }

  @Test
  void eachModelVersionHasItsOwnIndex() {
    assertThat(
            LuceneIndexConfig.of(directory, new ModelKey("dinov2-small", "1.2")).indexDirectory())
        .isNotEqualTo(
            LuceneIndexConfig.of(directory, new ModelKey("dinov2-small", "1.3")).indexDirectory())
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
    try (LuceneVectorIndex before = LuceneVectorIndex.open(
        LuceneIndexConfig.of(directory, MODEL), new HammingHnswVectorsFormat(8, 32))) {
      before.upsert(old);
    }
    index = LuceneVectorIndex.open(LuceneIndexConfig.of(directory, MODEL));
    IndexedImage recent = upload("tenant", "written-after");
    index.upsert(recent);
    index.refresh();

    for (IndexedImage image : List.of(old, recent)) {
      assertThat(index
              .searchLocal(descriptorsOf(image.keypoints()), 2, 16, 5, uploadsOf("tenant"))
              .get(0)
              .ref())
          .isEqualTo(image.ref());
    }
    index.forceMerge();
    for (IndexedImage image : List.of(old, recent)) {
      assertThat(index
              .searchLocal(descriptorsOf(image.keypoints()), 2, 16, 5, uploadsOf("tenant"))
              .get(0)
              .ref())
          .isEqualTo(image.ref());
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
        .extracting(LocalVotes::ref)
        .contains(deleted.ref());

    index.delete(deleted.ref());
    index.refresh();

    assertThat(index.searchLocal(descriptorsOf(deleted.keypoints()), 2, 16, 5, uploadsOf("tenant")))
        .extracting(LocalVotes::ref)
        .doesNotContain(deleted.ref());
    Scope allButExcluded =
        new Scope(java.util.Set.of("tenant"), java.util.Set.of(), Scope.ALL_TIME, excluded.ref());
    assertThat(
            index.searchLocal(descriptorsOf(excluded.keypoints()), 2, 16, 5, uploadsOf("tenant")))
        .extracting(LocalVotes::ref)
        .contains(excluded.ref());
    assertThat(index.searchLocal(descriptorsOf(excluded.keypoints()), 2, 16, 5, allButExcluded))
        .extracting(LocalVotes::ref)
        .doesNotContain(excluded.ref());
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
