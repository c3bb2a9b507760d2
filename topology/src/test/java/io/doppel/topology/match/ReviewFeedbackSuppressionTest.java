package io.doppel.topology.match;

import static io.doppel.topology.testing.Samples.key;
import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchHints;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.ReviewDecision;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.topology.testing.Samples;
import io.doppel.topology.testing.StreamsTestSupport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reviewers' decisions on the review-feedback topic change what the matching topology reports.
 * The matcher here reports every upload as a copy of {@value #REFERENCE} (tenant {@value #STUDIO})
 * and, for ids starting "both-", also as a duplicate of {@value #EARLIER}.
 */
class ReviewFeedbackSuppressionTest {

  private static final String STUDIO = "studio";
  private static final String REFERENCE = "ref-1";
  private static final String EARLIER = "earlier-1";
  private static final String UPLOADER =
      Samples.event("x", io.doppel.schemas.avro.Purpose.UPLOAD).getUploader();

  private final Topics topics = Topics.using(new InMemorySchemaRegistry());

  @TempDir
  Path stateDirectory;

  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> features;
  private TestInputTopic<byte[], byte[]> feedback;
  private TestOutputTopic<ImageKey, MatchEvent> duplicates;
  private TestOutputTopic<ImageKey, MatchEvent> violations;
  private TestOutputTopic<ImageKey, MatchEvent> outcomes;

  @BeforeEach
  void start() {
    Matcher matcher = new Matcher() {
      @Override
      public List<MatchEvent> match(ImageFeatures f) {
        String id = f.getImageId();
        List<Match> matches = id.startsWith("both-")
            ? List.of(
                reported(STUDIO, REFERENCE, MatchKind.COPYRIGHT_VIOLATION),
                reported(Samples.TENANT, EARLIER, MatchKind.DUPLICATE))
            : List.of(reported(STUDIO, REFERENCE, MatchKind.COPYRIGHT_VIOLATION));
        return List.of(MatchEvent.newBuilder(Samples.outcome(f, Decision.COPYRIGHT_VIOLATION))
            .setMatches(matches)
            .build());
      }

      @Override
      public void commit() {}
    };
    driver = StreamsTestSupport.driver(
        MatchingTopology.build(
            topics, matcher, MatchingTopology.Settings.DEFAULTS, new SimpleMeterRegistry()),
        stateDirectory);
    features = driver.createInputTopic(
        Topics.FEATURES, new ByteArraySerializer(), new ByteArraySerializer());
    feedback = driver.createInputTopic(
        Topics.REVIEW_FEEDBACK, new ByteArraySerializer(), new ByteArraySerializer());
    duplicates = output(Topics.DUPLICATES);
    violations = output(Topics.VIOLATIONS);
    outcomes = output(Topics.OUTCOMES);
  }

  @AfterEach
  void close() {
    driver.close();
  }

  @Test
  void aDismissedPairIsNotReportedAgainButKeepsItsEvidence() {
    pipe("copy-1");
    MatchEvent report = violations.readValue();
    assertThat(report.getMatches())
        .extracting(Match::getKind)
        .containsExactly(MatchKind.COPYRIGHT_VIOLATION);

    decide(report, ReviewAction.DISMISS);
    pipe("copy-1");

    assertThat(violations.isEmpty()).isTrue();
    MatchEvent outcome = outcomes.readValue();
    assertThat(outcome.getDecision()).isEqualTo(Decision.CLEAN);
    assertThat(outcome.getMatches()).singleElement().satisfies(m -> {
      assertThat(m.getImageId()).isEqualTo(REFERENCE);
      assertThat(m.getKind()).isEqualTo(MatchKind.BELOW_THRESHOLD);
      assertThat(m.getScore()).isEqualTo(report.getMatches().getFirst().getScore());
    });
  }

  @Test
  void aDismissalCoversOnlyItsOwnPair() {
    pipe("copy-1");
    decide(violations.readValue(), ReviewAction.DISMISS);

    pipe("copy-2");

    assertThat(violations.readValuesToList())
        .extracting(MatchEvent::getImageId)
        .containsExactly("copy-2");
  }

  @Test
  void anAllowedPairIsSuppressedAndAConfirmedOneIsStillReported() {
    pipe("copy-1");
    pipe("copy-2");
    List<MatchEvent> reports = violations.readValuesToList();
    decide(reports.get(0), ReviewAction.ALLOW_PAIR);
    decide(reports.get(1), ReviewAction.CONFIRM);

    pipe("copy-1");
    pipe("copy-2");

    assertThat(violations.readValuesToList())
        .extracting(MatchEvent::getImageId)
        .containsExactly("copy-2");
    assertThat(outcomes.readValuesToList())
        .extracting(MatchEvent::getImageId)
        .containsExactly("copy-1");
  }

  @Test
  void theLatestDecisionOnAPairWins() {
    pipe("copy-1");
    MatchEvent report = violations.readValue();
    decide(report, ReviewAction.DISMISS);
    decide(report, ReviewAction.CONFIRM);

    pipe("copy-1");

    assertThat(violations.readValuesToList())
        .extracting(MatchEvent::getImageId)
        .containsExactly("copy-1");
  }

  @Test
  void anAllowListedUploaderIsNotReportedForAnyImage() {
    pipe("copy-1");
    decide(violations.readValue(), ReviewAction.ALLOW_UPLOADER);

    pipe("copy-9");
    pipe("both-9");

    assertThat(violations.isEmpty()).isTrue();
    assertThat(duplicates.isEmpty()).isTrue();
    assertThat(outcomes.readValuesToList())
        .extracting(MatchEvent::getDecision)
        .containsExactly(Decision.CLEAN, Decision.CLEAN);
  }

  @Test
  void aRevokedUploaderIsReportedAgainAndALaterAllowSuppressesAgain() {
    pipe("copy-1");
    MatchEvent report = violations.readValue();
    decide(report, ReviewAction.ALLOW_UPLOADER);
    decide(report, ReviewAction.REVOKE_UPLOADER);

    pipe("copy-2");

    assertThat(violations.readValue().getImageId()).isEqualTo("copy-2");

    decide(report, ReviewAction.ALLOW_UPLOADER);
    pipe("copy-3");

    assertThat(violations.isEmpty()).isTrue();
    assertThat(outcomes.readValue().getDecision()).isEqualTo(Decision.CLEAN);
  }

  @Test
  void whenTheReportedPairIsDismissedTheOtherMatchStillReports() {
    pipe("both-1");
    MatchEvent report = violations.readValue();
    decide(report, ReviewAction.DISMISS);

    pipe("both-1");

    MatchEvent duplicate = duplicates.readValue();
    assertThat(duplicate.getDecision()).isEqualTo(Decision.DUPLICATE);
    assertThat(duplicate.getMatches())
        .extracting(Match::getImageId, Match::getKind)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(REFERENCE, MatchKind.BELOW_THRESHOLD),
            org.assertj.core.groups.Tuple.tuple(EARLIER, MatchKind.DUPLICATE));
    assertThat(violations.isEmpty()).isTrue();
  }

  @Test
  void aRecordOnTheFeedbackTopicThatIsNotADecisionIsSkipped() {
    feedback.pipeInput(keyBytes(key("copy-1")), new byte[] {0, 0, 0, 0, 99, 1, 2});
    pipe("copy-1");
    MatchEvent report = violations.readValue();
    decide(report, ReviewAction.DISMISS);

    pipe("copy-1");

    assertThat(outcomes.readValue().getDecision()).isEqualTo(Decision.CLEAN);
  }

  @Test
  void keysOfDifferentPairsNeverCollideWhateverTheIdsContain() {
    assertThat(ReviewSuppression.pairKey("a", "b|1:c", "d", "e"))
        .isNotEqualTo(ReviewSuppression.pairKey("a", "b", "c", "d|1:e"));
    assertThat(ReviewSuppression.uploaderKey("a", "b"))
        .isNotEqualTo(ReviewSuppression.pairKey("a", "b", "", ""));
  }

  private void decide(MatchEvent report, ReviewAction action) {
    ReviewDecision decision = ReviewDecision.newBuilder()
        .setDecisionId(UUID.randomUUID().toString())
        .setAction(action)
        .setTenant(report.getTenant())
        .setImageId(report.getImageId())
        .setUploader(report.getUploader())
        .setReportDecision(report.getDecision())
        .setMatch(report.getMatches().getFirst())
        .setPolicyVersion(report.getPolicyVersion())
        .setModelId(report.getModelId())
        .setModelVersion(report.getModelVersion())
        .setCalibrationVersion(report.getCalibrationVersion())
        .setReportedAt(report.getDecidedAt())
        .setReviewer("reviewer-1")
        .setDecidedAt(Instant.parse("2026-01-02T00:00:00Z"))
        .build();
    feedback.pipeInput(
        keyBytes(key(report.getImageId())),
        topics
            .reviewFeedback()
            .valueSerde()
            .serializer()
            .serialize(Topics.REVIEW_FEEDBACK, decision));
  }

  private static Match reported(String tenant, String imageId, MatchKind kind) {
    return Match.newBuilder()
        .setTenant(tenant)
        .setImageId(imageId)
        .setKind(kind)
        .setScore(0.93f)
        .setGlobalSimilarity(0.8f)
        .setLocalVotes(40)
        .setInliers(30)
        .setInlierAreaShare(0.7f)
        .setHints(MatchHints.newBuilder().build())
        .build();
  }

  private TestOutputTopic<ImageKey, MatchEvent> output(String topic) {
    return driver.createOutputTopic(
        topic,
        topics.outcomes().keySerde().deserializer(),
        topics.outcomes().valueSerde().deserializer());
  }

  private void pipe(String imageId) {
    ImageFeatures value = Samples.features(Samples.upload(imageId));
    features.pipeInput(
        keyBytes(key(imageId)),
        topics.features().valueSerde().serializer().serialize(Topics.FEATURES, value));
  }

  private byte[] keyBytes(ImageKey key) {
    return topics.features().keySerde().serializer().serialize(Topics.FEATURES, key);
  }
}
