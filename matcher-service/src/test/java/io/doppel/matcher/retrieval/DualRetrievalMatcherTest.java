package io.doppel.matcher.retrieval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.doppel.matcher.index.GlobalHit;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexUnavailableException;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.LocalVotes;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.index.lucene.LuceneIndexConfig;
import io.doppel.matcher.index.lucene.LuceneVectorIndex;
import io.doppel.matcher.index.memory.InMemoryVectorIndex;
import io.doppel.matcher.policy.Policy;
import io.doppel.matcher.score.Calibration;
import io.doppel.matcher.score.FusedScorer;
import io.doppel.matcher.testing.TestFeatures;
import io.doppel.matcher.testing.TestMats;
import io.doppel.matcher.verify.GeometricVerifier;
import io.doppel.matcher.verify.VerifierSettings;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.FeatureView;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.Trigger;
import io.doppel.schemas.avro.ViewKind;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.Mat;
import org.opencv.core.Rect;

/**
 * The matcher's behaviour, run on the Lucene index (this class) and on the exact in-memory index ({@link
 * OnTheInMemoryIndexTest}): both must decide alike.
 */
class DualRetrievalMatcherTest {

  /** The same tests over the in-memory reference index. */
  static class OnTheInMemoryIndexTest extends DualRetrievalMatcherTest {
    @Override
    VectorIndex openIndex(Path directory) {
      return new InMemoryVectorIndex();
    }
  }

  VectorIndex openIndex(Path directory) {
    return LuceneVectorIndex.open(LuceneIndexConfig.of(directory, MODEL));
  }

  private static final String POLICY = """
      version: test-policy-1
      referenceSets: [getty]
      defaults:
        duplicateThreshold: 0.5
        violationThreshold: 0.5
        referenceSets: "*"
        retroScanLookback: P30D
      tenants:
        acme:
          referenceSets: [getty, Getty Images]
        other:
          referenceSets: []
        rights:
          referenceSets: []
          registers: [getty, Getty Images]
      """;
  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-22T00:00:00Z"), ZoneOffset.UTC);
  private static final ModelKey MODEL = new ModelKey("test-thumbnail", "1");
  private static final int WIDTH = 640;
  private static final int HEIGHT = 480;

  @TempDir
  Path indexDir;

  private VectorIndex index;
  private DualRetrievalMatcher matcher;
  private final Mat original = TestMats.texture(1, WIDTH, HEIGHT);

  @BeforeEach
  void open() {
    index = openIndex(indexDir);
    matcher = matcherOver(index);
  }

  @AfterEach
  void close() {
    index.close();
  }

  private static DualRetrievalMatcher matcherOver(VectorIndex index) {
    return matcherOver(index, RetrievalSettings.DEFAULTS);
  }

  private static DualRetrievalMatcher matcherOver(VectorIndex index, RetrievalSettings settings) {
    return new DualRetrievalMatcher(
        MODEL,
        index,
        new GeometricVerifier(VerifierSettings.DEFAULTS),
        new FusedScorer(Calibration.bundled()),
        Policy.parse(POLICY, "test"),
        settings,
        CLOCK);
  }

  @Test
  void globalOnlyRanksByCosineWithoutVerifying() {
    upload("acme", "original", original);
    upload("acme", "other", TestMats.texture(2, WIDTH, HEIGHT));
    matcher = matcherOver(index, RetrievalSettings.DEFAULTS.asGlobalOnly());

    MatchEvent copy = upload("acme", "crop", TestMats.crop(original, 0, 0, 512, 384));

    // the test model is a thumbnail stand-in, so only the contract is asserted, not which texture
    // is nearer
    assertThat(copy.getMatches())
        .extracting(Match::getImageId)
        .containsExactlyInAnyOrder("original", "other");
    assertThat(copy.getMatches())
        .extracting(Match::getScore)
        .isSortedAccordingTo(java.util.Comparator.reverseOrder());
    assertThat(copy.getMatches()).allSatisfy(match -> {
      assertThat(match.getInliers()).isZero();
      assertThat(match.getScore()).isEqualTo(match.getGlobalSimilarity());
    });
    assertThat(copy.getStageMicros()).doesNotContainKey(DualRetrievalMatcher.STAGE_VERIFY);
  }

  @Test
  void cropViewsAreSearchedButNeverIndexed() {
    upload("acme", "original", original);
    upload("acme", "other", TestMats.texture(2, WIDTH, HEIGHT));
    Mat framed = TestMats.texture(3, 2 * WIDTH, 2 * HEIGHT);
    original.copyTo(new Mat(framed, new Rect(WIDTH / 2, HEIGHT / 2, WIDTH, HEIGHT)));
    ImageFeatures features = TestFeatures.withCrop(
        TestFeatures.features("acme", "framed", Purpose.UPLOAD, framed),
        framed,
        new Rect(WIDTH / 2, HEIGHT / 2, WIDTH, HEIGHT));
    matcher = matcherOver(index, RetrievalSettings.DEFAULTS.asGlobalOnly());

    MatchEvent event = matcher.match(features).getFirst();

    // the framed image's own FULL thumbnail is mostly frame; its CROP is the original's exact
    // pixels
    assertThat(event.getMatches().getFirst().getImageId()).isEqualTo("original");
    assertThat(event.getMatches().getFirst().getGlobalSimilarity()).isCloseTo(1.0f, within(1e-4f));
    assertThat(DualRetrievalMatcher.indexEntry(features).globals()).hasSize(1);
  }

  private MatchEvent upload(String tenant, String id, Mat image) {
    return upload(tenant, id, image, T0);
  }

  private MatchEvent upload(String tenant, String id, Mat image, Instant at) {
    List<MatchEvent> events = matcher.match(
        TestFeatures.features(tenant, id, Purpose.UPLOAD, image, null, null, at.toEpochMilli()));
    assertThat(events).hasSize(1);
    return events.getFirst();
  }

  @Test
  void firstUploadIsCleanAndACropOfItIsADuplicateWithItsExplanation() {
    MatchEvent first = upload("acme", "original", original);
    MatchEvent copy = upload("acme", "crop", TestMats.crop(original, 0, 0, 512, 384));

    assertThat(first.getDecision()).isEqualTo(Decision.CLEAN);
    assertThat(first.getMatches()).isEmpty();
    assertThat(copy.getDecision()).isEqualTo(Decision.DUPLICATE);
    Match best = copy.getMatches().getFirst();
    assertThat(best.getImageId()).isEqualTo("original");
    assertThat(best.getKind()).isEqualTo(MatchKind.DUPLICATE);
    assertThat(best.getInliers()).isGreaterThanOrEqualTo(12);
    assertThat(best.getScore()).isGreaterThan(0.5f);
    assertThat(best.getQueryRegion()).hasSize(4);
    assertThat(best.getReferenceRegion()).hasSize(4);
    assertThat(best.getReferenceRegion().get(2).getX()).isCloseTo(0.8f, within(0.03f));
    assertThat(best.getHints().getCroppedShare()).isCloseTo(0.36f, within(0.05f));
    assertThat(best.getHints().getMirrored()).isFalse();
    assertThat(copy.getPolicyVersion()).isEqualTo("test-policy-1");
    assertThat(copy.getCalibrationVersion()).isEqualTo(Calibration.bundled().version());
    assertThat(copy.getModelId()).isEqualTo("test-thumbnail");
    assertThat(copy.getStageMicros())
        .containsKeys("decode", "local", "retrieve", "verify", "score", "index");
    assertThat(copy.getDecidedAt()).isEqualTo(CLOCK.instant());
  }

  @Test
  void aCandidateThatOnlyLocalVotesFoundIsScoredWithItsTrueGlobalSimilarity() {
    ImageFeatures originalFeatures = TestFeatures.features(
        "acme", "original", Purpose.UPLOAD, original, null, null, T0.toEpochMilli());
    matcher.match(originalFeatures);
    Mat crop = TestMats.crop(original, 0, 0, 512, 384);
    // exact twins of the query and of its mirror take the one global hit of each view
    upload("acme", "twin", crop);
    upload("acme", "mirrored-twin", TestMats.mirror(crop));
    RetrievalSettings oneGlobalHit =
        new RetrievalSettings(1, 128, 512, 4, 64, 20, 30, 0, 5, 0, false);
    matcher = matcherOver(index, oneGlobalHit);
    ImageFeatures query =
        TestFeatures.features("acme", "crop", Purpose.UPLOAD, crop, null, null, T0.toEpochMilli());

    Match found = matcher.match(query).getFirst().getMatches().stream()
        .filter(match -> match.getImageId().equals("original"))
        .findFirst()
        .orElseThrow();

    float expected = Float.NEGATIVE_INFINITY;
    for (float[] stored : DualRetrievalMatcher.indexEntry(originalFeatures).globals()) {
      for (float[] view : globalsOfViews(query)) {
        expected = Math.max(expected, VectorUtil.cosine(view, stored));
      }
    }
    assertThat(found.getInliers()).isGreaterThanOrEqualTo(12);
    assertThat(expected).isGreaterThan(0f);
    assertThat(found.getGlobalSimilarity())
        .as("not the 0 of an unknown similarity")
        .isCloseTo(expected, within(1e-4f));
  }

  @Test
  void aGlobalHitWhoseFullViewFailsIsVerifiedThroughTheDenseView() {
    // A meme in miniature: the global search ranks the original first, but FULL's keypoints all lie
    // on what was added (here an unrelated texture), so FULL cannot verify it. DENSE's keypoints
    // cover the copied pixels, and its own votes rank an exact twin of them higher, so without
    // the first pass's candidates DENSE would never verify the original.
    ImageFeatures originalFeatures = TestFeatures.features(
        "acme", "original", Purpose.UPLOAD, original, null, null, T0.toEpochMilli());
    matcher.match(originalFeatures);
    Mat copied = TestMats.resize(original, 0.9);
    upload("acme", "twin", copied);
    FeatureView full = FeatureView.newBuilder(TestFeatures.wholeImageView(
            ViewKind.FULL, TestMats.texture(7, copied.cols(), copied.rows())))
        .setGlobal(originalFeatures.getViews().getFirst().getGlobal())
        .build();
    FeatureView dense = FeatureView.newBuilder(TestFeatures.wholeImageView(ViewKind.REGION, copied))
        .setGlobal(full.getGlobal())
        .build();
    ImageFeatures meme = ImageFeatures.newBuilder(TestFeatures.features(
            "acme", "meme", Purpose.UPLOAD, copied, null, null, T0.toEpochMilli()))
        .setViews(List.of(full, dense))
        .build();
    RetrievalSettings firstPassOfOne =
        new RetrievalSettings(20, 128, 512, 4, 64, 20, 30, 0, 1, 30, false);
    matcher = matcherOver(index, firstPassOfOne);

    Match found = matcher.match(meme).getFirst().getMatches().stream()
        .filter(match -> match.getImageId().equals("original"))
        .findFirst()
        .orElseThrow();

    assertThat(found.getInliers()).isGreaterThanOrEqualTo(30);
    assertThat(found.getKind()).isEqualTo(MatchKind.DUPLICATE);
  }

  private static List<float[]> globalsOfViews(ImageFeatures features) {
    return features.getViews().stream()
        .map(view -> {
          float[] global = new float[view.getGlobal().size()];
          for (int i = 0; i < global.length; i++) {
            global[i] = view.getGlobal().get(i);
          }
          return global;
        })
        .toList();
  }

  @Test
  void mirroredCopyIsFoundAndSaysSo() {
    upload("acme", "original", original);

    MatchEvent copy = upload("acme", "flipped", TestMats.mirror(original));

    assertThat(copy.getDecision()).isEqualTo(Decision.DUPLICATE);
    assertThat(copy.getMatches().getFirst().getHints().getMirrored()).isTrue();
  }

  @Test
  void copyInsideATallStripIsFoundThroughATile() {
    upload("acme", "original", original);
    Mat strip = TestMats.tallStrip(TestMats.resize(original, 0.5), 1600, 900, 42);

    MatchEvent copy = upload("acme", "strip", strip);

    assertThat(copy.getDecision()).isEqualTo(Decision.DUPLICATE);
    Match best = copy.getMatches().getFirst();
    assertThat(best.getImageId()).isEqualTo("original");
    assertThat(best.getHints().getInTile()).isTrue();
    assertThat(best.getQueryRegion().getFirst().getY()).isCloseTo(900f / 1600, within(0.02f));
  }

  @Test
  void unrelatedUploadIsCleanButItsCandidatesAreStillListed() {
    upload("acme", "original", original);

    MatchEvent other = upload("acme", "unrelated", TestMats.texture(99, WIDTH, HEIGHT));

    assertThat(other.getDecision()).isEqualTo(Decision.CLEAN);
    assertThat(other.getMatches())
        .allSatisfy(m -> assertThat(m.getKind()).isEqualTo(MatchKind.BELOW_THRESHOLD));
  }

  @Test
  void tenantsNeverSeeEachOthersUploads() {
    upload("acme", "original", original);
    String hostile = "a\" or 1==1 or \"";

    MatchEvent otherTenant = upload("other", "copy", original);
    MatchEvent injected = upload(hostile, "copy", original);

    assertThat(otherTenant.getDecision()).isEqualTo(Decision.CLEAN);
    assertThat(otherTenant.getMatches()).isEmpty();
    assertThat(injected.getDecision()).isEqualTo(Decision.CLEAN);
    assertThat(injected.getMatches()).isEmpty();
  }

  @Test
  void replayingTheSameFeaturesGivesTheSameEventAndOneIndexEntry() {
    upload("acme", "original", original);
    ImageFeatures copy =
        TestFeatures.features("acme", "copy", Purpose.UPLOAD, TestMats.resize(original, 0.7));

    MatchEvent first = matcher.match(copy).getFirst();
    MatchEvent replay = matcher.match(copy).getFirst();
    MatchEvent third = upload("acme", "third", original);

    assertThat(withoutTimings(replay)).isEqualTo(withoutTimings(first));
    assertThat(first.getMatches()).extracting(Match::getImageId).doesNotContain("copy");
    assertThat(third.getMatches())
        .extracting(Match::getImageId)
        .containsOnlyOnce("copy", "original");
  }

  @Test
  void deletedImagesAreNeverMatchedAgain() {
    upload("acme", "original", original);

    List<MatchEvent> deleted = matcher.match(TestFeatures.delete("acme", "original"));
    MatchEvent copy = upload("acme", "copy", original);

    assertThat(deleted).singleElement().satisfies(e -> {
      assertThat(e.getDecision()).isEqualTo(Decision.DELETED);
      assertThat(e.getMatches()).isEmpty();
    });
    assertThat(index.contains(new ImageRef("acme", "original"))).isFalse();
    assertThat(copy.getDecision()).isEqualTo(Decision.CLEAN);
    assertThat(copy.getMatches()).isEmpty();
  }

  @Test
  void anEventCarriesTheDigestOfTheBytesAnalysedForItsOwnImageOnly() {
    String digest = "0f".repeat(32);
    ImageFeatures features = ImageFeatures.newBuilder(TestFeatures.features(
            "acme", "hashed", Purpose.UPLOAD, original, null, null, T0.toEpochMilli()))
        .setContentSha256(digest)
        .build();

    MatchEvent event = matcher.match(features).getFirst();

    assertThat(event.getContentSha256()).isEqualTo(digest);
  }

  @Test
  void registeringAReferenceReportsEarlierCopiesWithinTheLookBackWindow() {
    Mat work = TestMats.texture(5, WIDTH, HEIGHT);
    Instant registration = T0.plus(Duration.ofDays(40));
    upload(
        "acme",
        "recent-copy",
        TestMats.crop(work, 64, 48, 512, 384),
        registration.minus(Duration.ofDays(2)));
    upload("acme", "old-copy", TestMats.mirror(work), registration.minus(Duration.ofDays(35)));
    upload("other", "unsubscribed-copy", work, registration.minus(Duration.ofDays(1)));

    List<MatchEvent> events = matcher.match(TestFeatures.features(
        "rights",
        "work-1",
        Purpose.REFERENCE,
        work,
        "Getty Images",
        "getty",
        registration.toEpochMilli()));

    assertThat(events.getFirst().getDecision()).isEqualTo(Decision.REGISTERED);
    assertThat(events.getFirst().getMatches()).isEmpty();
    assertThat(events).hasSize(2);
    MatchEvent retro = events.get(1);
    assertThat(retro.getDecision()).isEqualTo(Decision.COPYRIGHT_VIOLATION);
    assertThat(retro.getTrigger()).isEqualTo(Trigger.RETRO_SCAN);
    assertThat(retro.getTenant()).isEqualTo("acme");
    assertThat(retro.getImageId()).isEqualTo("recent-copy");
    // about an earlier upload whose bytes this matcher never saw: no digest to vouch for
    assertThat(retro.getContentSha256()).isNull();
    Match match = retro.getMatches().getFirst();
    assertThat(match.getImageId()).isEqualTo("work-1");
    assertThat(match.getKind()).isEqualTo(MatchKind.COPYRIGHT_VIOLATION);
    assertThat(match.getRightsHolder()).isEqualTo("Getty Images");
    // reported from the upload's side: 60 % of each side of the work was kept
    assertThat(match.getHints().getCroppedShare()).isCloseTo(0.36f, within(0.05f));
    assertThat(match.getHints().getScale()).isCloseTo(1.0f, within(0.05f));
  }

  @Test
  void laterUploadsOfARegisteredWorkAreViolations() {
    Mat work = TestMats.texture(5, WIDTH, HEIGHT);
    matcher.match(TestFeatures.features(
        "rights", "work-1", Purpose.REFERENCE, work, "Getty Images", null, T0.toEpochMilli()));

    MatchEvent copy = upload("acme", "copy", TestMats.rotate(work, 8), T0.plus(Duration.ofDays(1)));
    MatchEvent unsubscribed = upload("other", "copy", work, T0.plus(Duration.ofDays(1)));

    assertThat(copy.getDecision()).isEqualTo(Decision.COPYRIGHT_VIOLATION);
    assertThat(copy.getMatches().getFirst().getReferenceSet()).isEqualTo("Getty Images");
    assertThat(copy.getMatches().getFirst().getHints().getRotationDegrees())
        .isCloseTo(8f, within(1.5f));
    assertThat(unsubscribed.getDecision()).isEqualTo(Decision.CLEAN);
  }

  @Test
  void aDuplicateOfEarlierUploadsIsStillCheckedAgainstRegisteredWorks() {
    Mat work = TestMats.texture(5, WIDTH, HEIGHT);
    matcher.match(TestFeatures.features(
        "rights", "work-1", Purpose.REFERENCE, work, "Getty Images", null, T0.toEpochMilli()));
    Mat strip = TestMats.tallStrip(TestMats.resize(work, 0.5), 1600, 900, 42);
    // more earlier copies of the strip than the first pass verifies: on their own they would settle
    // the upload
    for (int i = 0; i < RetrievalSettings.DEFAULTS.firstPassCap() + 1; i++) {
      upload("acme", "earlier-" + i, strip, T0.plus(Duration.ofDays(1)));
    }

    MatchEvent again = upload("acme", "again", strip, T0.plus(Duration.ofDays(2)));

    assertThat(again.getDecision()).isEqualTo(Decision.COPYRIGHT_VIOLATION);
    assertThat(again.getMatches()).anySatisfy(match -> {
      assertThat(match.getImageId()).isEqualTo("work-1");
      assertThat(match.getKind()).isEqualTo(MatchKind.COPYRIGHT_VIOLATION);
    });
  }

  /**
   * An upload's index write happens before its Kafka transaction commits. When the transaction aborts after uploads A
   * and B (B a copy of A), both rows stay and both records are matched again: the replayed A must not find B, which came
   * after it, and the events committed must be those of a run without the fault.
   */
  @Test
  void aReplayAfterAnAbortedTransactionDecidesAsTheFaultFreeRunDid(@TempDir Path faultFreeDir) {
    ImageFeatures a =
        TestFeatures.features("acme", "a", Purpose.UPLOAD, original, null, null, T0.toEpochMilli());
    ImageFeatures b = TestFeatures.features(
        "acme",
        "b",
        Purpose.UPLOAD,
        TestMats.crop(original, 32, 24, 560, 420),
        null,
        null,
        T0.plusSeconds(1).toEpochMilli());
    List<String> faultFree;
    try (VectorIndex faultFreeIndex = openIndex(faultFreeDir)) {
      DualRetrievalMatcher faultFreeMatcher = matcherOver(faultFreeIndex);
      faultFree = decisions(faultFreeMatcher.match(a), faultFreeMatcher.match(b));
    }
    assertThat(faultFree).containsExactly("a CLEAN []", "b DUPLICATE [a]");

    matcher.match(a);
    matcher.match(b);
    // the transaction of both aborts: their events are never committed, their index rows stay, both
    // are consumed again
    List<String> replayed = decisions(matcher.match(a), matcher.match(b));

    assertThat(replayed).isEqualTo(faultFree);
  }

  /**
   * The same for a reference registered while an upload's transaction is open: the reference's retro-scan finds the
   * upload and reports it (committed), so the upload's replay must not report it a second time from its own side; and a
   * reference whose own transaction aborts must not report, when replayed, uploads that found it meanwhile.
   */
  @Test
  void replaysAroundAReferenceReportEachCopyOnce() {
    Mat work = TestMats.texture(5, WIDTH, HEIGHT);
    ImageFeatures upload = TestFeatures.features(
        "acme",
        "copy",
        Purpose.UPLOAD,
        TestMats.crop(work, 64, 48, 512, 384),
        null,
        null,
        T0.toEpochMilli());
    ImageFeatures reference = TestFeatures.features(
        "rights",
        "work-1",
        Purpose.REFERENCE,
        work,
        "Getty Images",
        "getty",
        T0.plusSeconds(1).toEpochMilli());
    ImageFeatures later = TestFeatures.features(
        "acme",
        "later-copy",
        Purpose.UPLOAD,
        TestMats.mirror(work),
        null,
        null,
        T0.plusSeconds(2).toEpochMilli());

    matcher.match(upload);
    // the upload's transaction aborts; meanwhile the reference is registered and committed
    List<String> registered = decisions(matcher.match(reference).toArray(MatchEvent[]::new));
    List<String> uploadReplayed = decisions(matcher.match(upload).toArray(MatchEvent[]::new));
    assertThat(registered)
        .containsExactly("work-1 REGISTERED []", "copy COPYRIGHT_VIOLATION [work-1]");
    assertThat(uploadReplayed)
        .as("reported once, by the retro-scan")
        .containsExactly("copy CLEAN []");

    List<String> laterCopy = decisions(matcher.match(later).toArray(MatchEvent[]::new));
    // the reference's transaction aborts after the later copy found it: its replay reports what it
    // first reported
    List<String> referenceReplayed = decisions(matcher.match(reference).toArray(MatchEvent[]::new));
    // the reported images in score order, which the calibration decides
    assertThat(laterCopy)
        .singleElement()
        .isIn(
            "later-copy COPYRIGHT_VIOLATION [work-1, copy]",
            "later-copy COPYRIGHT_VIOLATION [copy, work-1]");
    assertThat(referenceReplayed).isEqualTo(registered);
  }

  /** Each event as "image decision [reported images]", below-threshold candidates left out. */
  private static List<String> decisions(MatchEvent... events) {
    return java.util.Arrays.stream(events)
        .map(event -> event.getImageId() + " " + event.getDecision() + " "
            + event.getMatches().stream()
                .filter(match -> match.getKind() != MatchKind.BELOW_THRESHOLD)
                .map(Match::getImageId)
                .toList())
        .toList();
  }

  private static List<String> decisions(List<MatchEvent> first, List<MatchEvent> second) {
    List<MatchEvent> all = new java.util.ArrayList<>(first);
    all.addAll(second);
    return decisions(all.toArray(MatchEvent[]::new));
  }

  @Test
  void anUnreachableIndexIsAnErrorNeverACleanDecision() {
    DualRetrievalMatcher overOutage = matcherOver(new UnreachableIndex());

    assertThatThrownBy(
            () -> overOutage.match(TestFeatures.features("acme", "x", Purpose.UPLOAD, original)))
        .isInstanceOf(IndexUnavailableException.class);
  }

  @Test
  void featuresWithoutAFullViewAreRejectedWithATypedError() {
    ImageFeatures features = TestFeatures.features("acme", "x", Purpose.UPLOAD, original);
    features.setViews(features.getViews().subList(1, 2));

    assertThatThrownBy(() -> matcher.match(features))
        .isInstanceOf(InvalidFeaturesException.class)
        .hasMessageContaining("a FULL view is required");
  }

  @Test
  void featuresOfAnotherModelAreRejected() {
    ImageFeatures features = TestFeatures.features("acme", "x", Purpose.UPLOAD, original);
    features.getModel().setVersion("2");

    assertThatThrownBy(() -> matcher.match(features))
        .isInstanceOf(InvalidFeaturesException.class)
        .hasMessageContaining("features of model test-thumbnail 2");
  }

  @Test
  void referenceWithoutRightsHolderOrSetIsRejected() {
    assertThatThrownBy(
            () -> matcher.match(TestFeatures.features("rights", "w", Purpose.REFERENCE, original)))
        .isInstanceOf(InvalidFeaturesException.class)
        .hasMessageContaining("rightsHolder or a referenceSet");
  }

  /**
   * The set of a reference is the producer's word: a tenant that may register only into its own set must not put a work
   * into another rights holder's set, where every subscriber's later uploads would be reported against it. Refused before
   * anything is indexed, so no upload ever matches it and no retro-scan runs.
   */
  @Test
  void aReferenceIntoASetTheTenantWasNotGrantedIsRefusedBeforeItIsIndexed() {
    Mat work = TestMats.texture(5, WIDTH, HEIGHT);
    upload("acme", "earlier-copy", work, T0);

    assertThatThrownBy(() -> matcher.match(TestFeatures.features(
            "acme",
            "planted",
            Purpose.REFERENCE,
            work,
            "Getty Images",
            "getty",
            T0.plus(Duration.ofDays(1)).toEpochMilli())))
        .isInstanceOf(io.doppel.topology.match.RefusedRecordException.class)
        .hasMessageContaining("may not register works into reference set getty");
    assertThatThrownBy(() -> matcher.match(TestFeatures.features(
            "other",
            "planted",
            Purpose.REFERENCE,
            work,
            "Getty Images",
            null,
            T0.plus(Duration.ofDays(1)).toEpochMilli())))
        .isInstanceOf(io.doppel.topology.match.RefusedRecordException.class);

    assertThat(index.contains(new ImageRef("acme", "planted"))).isFalse();
    assertThat(index.contains(new ImageRef("other", "planted"))).isFalse();
    MatchEvent later =
        upload("acme", "later-copy", TestMats.rotate(work, 8), T0.plus(Duration.ofDays(2)));
    assertThat(later.getMatches())
        .extracting(Match::getKind)
        .doesNotContain(MatchKind.COPYRIGHT_VIOLATION);

    List<MatchEvent> granted = matcher.match(TestFeatures.features(
        "rights",
        "work-1",
        Purpose.REFERENCE,
        work,
        "Getty Images",
        "getty",
        T0.plus(Duration.ofDays(3)).toEpochMilli()));
    assertThat(granted.getFirst().getDecision()).isEqualTo(Decision.REGISTERED);
  }

  private static MatchEvent withoutTimings(MatchEvent event) {
    MatchEvent copy = MatchEvent.newBuilder(event).build();
    copy.setStageMicros(new HashMap<>());
    return copy;
  }

  /** An index whose backend is down: the outage a real Lucene directory cannot be made to have on demand. */
  private static final class UnreachableIndex implements VectorIndex {
    private static IndexUnavailableException down() {
      return new IndexUnavailableException(
          "index is down", new java.io.IOException("connection refused"));
    }

    @Override
    public void upsert(IndexedImage image) {
      throw down();
    }

    @Override
    public void delete(ImageRef image) {
      throw down();
    }

    @Override
    public List<GlobalHit> searchGlobal(float[] query, int k, Scope scope) {
      throw down();
    }

    @Override
    public List<LocalVotes> searchLocal(List<byte[]> d, int n, int h, int m, Scope scope) {
      throw down();
    }

    @Override
    public StoredKeypoints keypoints(ImageRef image) {
      throw down();
    }

    @Override
    public Map<ImageRef, List<float[]>> globalVectors(Collection<ImageRef> images) {
      throw down();
    }

    @Override
    public boolean contains(ImageRef image) {
      throw down();
    }

    @Override
    public java.util.Optional<io.doppel.matcher.index.ImageMeta> meta(ImageRef image) {
      throw down();
    }

    @Override
    public void refresh() {
      throw down();
    }

    @Override
    public void commit() {
      throw down();
    }

    @Override
    public void close() {}
  }
}
