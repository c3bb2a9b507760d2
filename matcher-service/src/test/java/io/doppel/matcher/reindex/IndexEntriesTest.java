package io.doppel.matcher.reindex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.matcher.MatcherConfig;
import io.doppel.matcher.MatcherService;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.index.lucene.LuceneIndexConfig;
import io.doppel.matcher.index.lucene.LuceneVectorIndex;
import io.doppel.matcher.retrieval.DualRetrievalMatcher;
import io.doppel.matcher.testing.TestFeatures;
import io.doppel.matcher.testing.TestMats;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Purpose;
import io.doppel.topology.config.ConfigReader;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.Mat;

/** A re-indexed image must be indistinguishable from one the matcher indexed while deciding it. */
class IndexEntriesTest {

  private static final ModelKey MODEL = new ModelKey("test-thumbnail", "1");
  private static final int TOP_K = 10;

  @TempDir
  Path dir;

  @Test
  void reindexedRowsAreTheRowsTheMatcherWrites() {
    Mat photo = TestMats.resize(TestMats.texture(5, 640, 480), 0.5);
    List<ImageFeatures> images = List.of(
        TestFeatures.features(
            "acme", "strip", Purpose.UPLOAD, TestMats.tallStrip(photo, 1600, 500, 3)),
        TestFeatures.features(
            "rights",
            "work",
            Purpose.REFERENCE,
            TestMats.texture(6, 400, 300),
            "Studio",
            null,
            1_000L));
    MatcherConfig.Matching config =
        MatcherConfig.readMatching(ConfigReader.ofOverrides(MatcherConfig.PROGRAM, Map.of()));

    LuceneVectorIndex live =
        LuceneVectorIndex.open(LuceneIndexConfig.of(dir.resolve("live"), MODEL));
    // the bundled policy with the rights tenant granted its set
    io.doppel.matcher.policy.Policy policy = io.doppel.matcher.policy.Policy.parse("""
        version: test
        referenceSets: []
        defaults: {duplicateThreshold: 0.5, violationThreshold: 0.5, referenceSets: "*", retroScanLookback: P30D}
        tenants:
          rights: {registers: [Studio]}
        """, "test");
    try (DualRetrievalMatcher matcher =
            MatcherService.matcher(MODEL, config, policy, live, Clock.systemUTC());
        LuceneVectorIndex reindexed =
            LuceneVectorIndex.open(LuceneIndexConfig.of(dir.resolve("reindexed"), MODEL))) {
      images.forEach(matcher::match);
      images.forEach(features -> reindexed.upsert(IndexEntries.of(features)));
      reindexed.refresh();

      for (ImageFeatures features : images) {
        ImageRef ref = new ImageRef(features.getTenant(), features.getImageId());
        StoredKeypoints expected = live.keypoints(ref);
        StoredKeypoints actual = reindexed.keypoints(ref);
        assertThat(actual.size())
            .as(ref + " keypoints")
            .isEqualTo(expected.size())
            .isPositive();
        assertThat(actual.xs()).isEqualTo(expected.xs());
        assertThat(actual.descriptors()).isEqualTo(expected.descriptors());

        float[] query = IndexEntries.of(features).globals().getLast();
        Scope everything = new Scope(Set.of("acme"), Set.of("Studio"), Long.MIN_VALUE, null);
        assertThat(hits(reindexed, query, everything))
            .as(ref + " hits")
            .isEqualTo(hits(live, query, everything));
      }
    }
  }

  @Test
  void onlyUploadsAndReferencesWithAHolderAreIndexed() {
    Mat image = TestMats.texture(8, 320, 240);
    assertThatThrownBy(() -> IndexEntries.of(TestFeatures.delete("acme", "gone")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DELETE");
    assertThatThrownBy(
            () -> IndexEntries.of(TestFeatures.features("rights", "w", Purpose.REFERENCE, image)))
        .hasMessageContaining("rightsHolder or a referenceSet");
    assertThat(IndexEntries.of(TestFeatures.features("acme", "u", Purpose.UPLOAD, image))
            .globals())
        .as("FULL only: the mirror is a query view, never indexed")
        .hasSize(1);
  }

  /** The hits, with all of their metadata but when the image was first written: the live matcher's clock, not a re-index's. */
  private static List<String> hits(LuceneVectorIndex index, float[] query, Scope scope) {
    return index.searchGlobal(query, TOP_K, scope).stream()
        .map(hit -> hit.ref() + " "
            + new io.doppel.matcher.index.ImageMeta(
                hit.meta().purpose(),
                hit.meta().rightsHolder(),
                hit.meta().referenceSet(),
                hit.meta().indexedAtMillis(),
                hit.meta().width(),
                hit.meta().height())
            + " "
            + hit.similarity())
        .toList();
  }
}
