package io.doppel.topology.match;

import static io.doppel.topology.testing.Samples.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.Trigger;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.topology.deadletter.PoisonCounter;
import io.doppel.topology.ops.DoppelMeter;
import io.doppel.topology.testing.Samples;
import io.doppel.topology.testing.ScriptedMatcher;
import io.doppel.topology.testing.StreamsTestSupport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MatchingTopologyTest {

  /** Short waits so that a test that gives up does so quickly; behaviour, not speed, is asserted. */
  private static final MatchingTopology.Settings RETRY = new MatchingTopology.Settings(
      Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofMillis(300));

  private final Topics topics = Topics.using(new InMemorySchemaRegistry());
  private final ScriptedMatcher matcher = new ScriptedMatcher();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @TempDir
  Path stateDirectory;

  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> features;
  private TestOutputTopic<ImageKey, MatchEvent> duplicates;
  private TestOutputTopic<ImageKey, MatchEvent> violations;
  private TestOutputTopic<ImageKey, MatchEvent> outcomes;
  private TestOutputTopic<ImageKey, DeadLetter> deadLetters;

  @BeforeEach
  void start() {
    driver = StreamsTestSupport.driver(
        MatchingTopology.build(topics, matcher, RETRY, meters), stateDirectory);
    features = driver.createInputTopic(
        Topics.FEATURES, new ByteArraySerializer(), new ByteArraySerializer());
    duplicates = output(Topics.DUPLICATES);
    violations = output(Topics.VIOLATIONS);
    outcomes = output(Topics.OUTCOMES);
    deadLetters = driver.createOutputTopic(
        Topics.DEAD_LETTERS,
        topics.deadLetters().keySerde().deserializer(),
        topics.deadLetters().valueSerde().deserializer());
  }

  @AfterEach
  void close() {
    driver.close();
  }

  @Test
  void eachDecisionGoesToItsTopic() {
    pipe(Samples.features(Samples.upload("dup-1")));
    pipe(Samples.features(Samples.upload("copy-1")));
    pipe(Samples.features(Samples.upload("clean-1")));
    pipe(Samples.features(Samples.reference("ref-1", "studio")));
    pipe(Samples.features(Samples.delete("gone-1")));

    assertThat(duplicates.readKeyValuesToList()).singleElement().satisfies(kv -> {
      assertThat(kv.key).isEqualTo(key("dup-1"));
      assertThat(kv.value.getDecision()).isEqualTo(Decision.DUPLICATE);
    });
    assertThat(violations.readValuesToList())
        .extracting(e -> e.getImageId().toString(), MatchEvent::getDecision)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("copy-1", Decision.COPYRIGHT_VIOLATION));
    assertThat(outcomes.readValuesToList())
        .extracting(e -> e.getImageId().toString(), MatchEvent::getDecision)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("clean-1", Decision.CLEAN),
            org.assertj.core.groups.Tuple.tuple("ref-1", Decision.REGISTERED),
            org.assertj.core.groups.Tuple.tuple("gone-1", Decision.DELETED));
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void eachUploadsTimeToItsDecisionIsRecordedButNotARetroScansOfAnEarlierUpload() {
    var late = io.doppel.schemas.avro.UploadEvent.newBuilder(Samples.upload("copy-late"))
        .setUploadedAt(Samples.UPLOADED_AT.minusMillis(1500))
        .build();
    pipe(Samples.features(late));
    pipe(Samples.features(Samples.reference(ScriptedMatcher.RETRO_PREFIX + "ref", "studio")));

    String name = DoppelMeter.DECISION_LATENCY.meterName();
    var violation = meters.get(name).tag("decision", "COPYRIGHT_VIOLATION").timer();
    assertThat(violation.count()).isEqualTo(1);
    assertThat(violation.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(1500);
    assertThat(meters.get(name).tag("decision", "REGISTERED").timer().count()).isEqualTo(1);
    assertThat(meters.get(name).timers())
        .as("the retro-scan's violation is not an upload's decision")
        .extracting(timer -> timer.getId().getTag("decision"))
        .containsExactlyInAnyOrder("COPYRIGHT_VIOLATION", "REGISTERED");
  }

  /**
   * Features are checked as uploads are, whoever produced them (an older extractor, a replay tool): an id or name the
   * index cannot hold is a dead letter, never a call to the matcher that it would fail or retry forever.
   */
  @Test
  void featuresWithIdsOrNamesTheIndexCannotHoldAreDeadLetteredWithoutAskingTheMatcher() {
    pipe(Samples.features(Samples.upload("x".repeat(40_000))));
    pipe(Samples.features(Samples.reference("ref-1", "h".repeat(600))));
    pipe(Samples.features(Samples.upload("tab\tid")));

    assertThat(deadLetters.readValuesToList()).hasSize(3).allSatisfy(letter -> {
      assertThat(letter.getReason()).isEqualTo(DeadLetterReason.INVALID_EVENT);
      assertThat(letter.getStage()).isEqualTo("matcher");
    });
    assertThat(matcher.calls()).isZero();
  }

  @Test
  void theMatchersIndexIsMadeDurableWhenTheTaskCommits() {
    assertThat(matcher.commits()).isZero();

    pipe(Samples.features(Samples.upload("clean-1")));

    // TopologyTestDriver commits the task after each record it pipes
    assertThat(matcher.commits()).isPositive();
  }

  @Test
  void aRetroScanViolationIsKeyedByTheEarlierUpload() {
    pipe(Samples.features(Samples.reference(ScriptedMatcher.RETRO_PREFIX + "ref", "studio")));

    assertThat(outcomes.readValue().getDecision()).isEqualTo(Decision.REGISTERED);
    assertThat(violations.readKeyValuesToList()).singleElement().satisfies(kv -> {
      assertThat(kv.key).isEqualTo(key(ScriptedMatcher.RETRO_TARGET));
      assertThat(kv.value.getTrigger()).isEqualTo(Trigger.RETRO_SCAN);
    });
  }

  @Test
  void anIndexThatComesBackWithinTheBudgetIsWaitedFor() {
    matcher.failNext(2);
    pipe(Samples.features(Samples.upload("copy-late")));

    assertThat(matcher.calls()).isEqualTo(3);
    assertThat(violations.readValuesToList())
        .extracting(e -> e.getImageId().toString())
        .containsExactly("copy-late");
  }

  @Test
  void anIndexDownLongerThanTheBudgetFailsTheRecordWithoutSkippingIt() {
    matcher.failNext(Integer.MAX_VALUE);
    ImageFeatures upload = Samples.features(Samples.upload("dup-waiting"));

    assertThatThrownBy(() -> pipe(upload))
        .satisfies(e -> assertThat(StreamsTestSupport.causalChain(e))
            .hasAtLeastOneElementOfType(DependencyUnavailableException.class));
    assertThat(duplicates.isEmpty()).isTrue();
    assertThat(outcomes.isEmpty()).isTrue();
    assertThat(violations.isEmpty()).isTrue();
    assertThat(deadLetters.isEmpty()).isTrue();

    // The replaced thread consumes the same record again once the index is back.
    matcher.failNext(0);
    pipe(upload);
    assertThat(duplicates.readValuesToList())
        .extracting(e -> e.getImageId().toString())
        .containsExactly("dup-waiting");
  }

  @Test
  void aRecordTheMatcherCannotHandleIsADeadLetterNotALoop() {
    pipe(Samples.features(Samples.upload("bug-1")));
    pipe(Samples.features(Samples.upload("clean-after")));

    DeadLetter letter = deadLetters.readValue();
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNKNOWN);
    assertThat(letter.getStage()).isEqualTo("matcher");
    assertThat(letter.getDetail()).contains("IllegalArgumentException", "bug-1");
    assertThat(outcomes.readValue().getImageId()).isEqualTo("clean-after");
  }

  /** A registration the policy refuses is the producer's fault, not a bug: INVALID_EVENT with the policy's reason. */
  @Test
  void aRecordThePolicyRefusesIsAnInvalidEventDeadLetter() {
    pipe(Samples.features(Samples.reference("refused-1", "someone-else")));
    pipe(Samples.features(Samples.upload("clean-after")));

    DeadLetter letter = deadLetters.readValue();
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.INVALID_EVENT);
    assertThat(letter.getImageId()).isEqualTo("refused-1");
    assertThat(letter.getDetail()).contains("may not register");
    assertThat(outcomes.readValue().getImageId()).isEqualTo("clean-after");
  }

  @Test
  void anUploadTheMatcherGivesNoOutcomeStillEndsAsADeadLetter() {
    pipe(Samples.features(Samples.upload("silent-1")));

    DeadLetter letter = deadLetters.readValue();
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNKNOWN);
    assertThat(letter.getImageId()).isEqualTo("silent-1");
    assertThat(letter.getDetail()).contains("no outcome");
  }

  @Test
  void malformedAndEmptyRecordsBecomeDeadLettersAndTheStreamGoesOn() {
    byte[] valid = valueBytes(Samples.features(Samples.upload("x")));
    byte[] badMagic = valid.clone();
    badMagic[0] = 1;
    features.pipeInput(keyBytes(key("x")), badMagic);
    features.pipeInput(keyBytes(key("x")), Arrays.copyOf(valid, valid.length / 2));
    features.pipeInput(keyBytes(key("x")), (byte[]) null);
    pipe(Samples.features(Samples.upload("clean-after")));

    assertThat(deadLetters.readValuesToList())
        .extracting(DeadLetter::getReason, l -> l.getDetail().split(":")[0].replace("value ", ""))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                DeadLetterReason.MALFORMED_RECORD, "BAD_MAGIC_BYTE"),
            org.assertj.core.groups.Tuple.tuple(DeadLetterReason.MALFORMED_RECORD, "TRUNCATED"),
            org.assertj.core.groups.Tuple.tuple(
                DeadLetterReason.INVALID_EVENT, "tombstone on doppel.features"));
    assertThat(outcomes.readValue().getImageId()).isEqualTo("clean-after");
    assertThat(StreamsTestSupport.metricTotal(
            driver,
            PoisonCounter.GROUP,
            PoisonCounter.metricName(DeadLetterReason.MALFORMED_RECORD)))
        .isEqualTo(2.0);
    assertThat(meters
            .get(DoppelMeter.DEAD_LETTERS.meterName())
            .tag("reason", "MALFORMED_RECORD")
            .counter()
            .count())
        .isEqualTo(2.0);
  }

  @Test
  void routingCoversEveryDecision() {
    for (Decision decision : Decision.values()) {
      assertThat(Routing.of(decision)).isNotNull();
    }
    assertThat(Routing.of(Decision.DELETED)).isEqualTo(Routing.OUTCOMES);
  }

  @Test
  void settingsRejectABackoffLongerThanItsCeiling() {
    assertThatThrownBy(() -> new MatchingTopology.Settings(
            Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBackoff");
  }

  private TestOutputTopic<ImageKey, MatchEvent> output(String topic) {
    return driver.createOutputTopic(
        topic,
        topics.outcomes().keySerde().deserializer(),
        topics.outcomes().valueSerde().deserializer());
  }

  private void pipe(ImageFeatures value) {
    features.pipeInput(keyBytes(key(value.getImageId().toString())), valueBytes(value));
  }

  private byte[] keyBytes(ImageKey key) {
    return topics.features().keySerde().serializer().serialize(Topics.FEATURES, key);
  }

  private byte[] valueBytes(ImageFeatures value) {
    return topics.features().valueSerde().serializer().serialize(Topics.FEATURES, value);
  }
}
