package io.doppel.topology.match;

import io.doppel.schemas.Topic;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * features → duplicates | violations | outcomes | dead-letters.
 *
 * <p>Rules, per consumed record {@code r} on {@code doppel.features} (raw bytes, decoded here):
 *
 * <pre>
 * key(r) undecodable or value(r) undecodable → DeadLetter(MALFORMED_RECORD)
 * key(r) = null or value(r) = null           → DeadLetter(INVALID_EVENT)
 * otherwise, for each e ∈ match(features):     e' = ReviewSuppression.apply(e, reviews)
 *                                              e' → topic(Routing.of(e'.decision)), key (e'.tenant, e'.imageId)
 * match throws DependencyUnavailable         → retry, wait(n) = min(maxBackoff, initialBackoff · 2^n),
 *                                              for at most retryBudget; then rethrow
 * match throws RefusedRecordException        → DeadLetter(INVALID_EVENT) with its message
 * match throws anything else, or returns []  → DeadLetter(UNKNOWN) with the error
 * </pre>
 *
 * Rethrowing hands the record back: the uncaught-exception handler replaces the thread, the
 * transaction aborts, and the record is consumed again from the last committed offset. So a record
 * is never skipped and no decision is ever emitted without the index. {@code retryBudget} must stay
 * below {@code max.poll.interval.ms} and the producer's {@code transaction.timeout.ms} (StreamsRuntime
 * sets both from its {@code maxBlocking}).
 *
 * <p>{@code reviews} is a global store ({@link ReviewSuppression#STORE}) that every instance
 * builds from the whole review-feedback topic: reviewers' dismissals and allow-lists turn what
 * would be a report into a CLEAN outcome (or a report of the matches left). It is in memory and
 * rebuilt at start-up; decisions are human-made, so the topic stays small.
 *
 * <p>Before each task commit, {@link Matcher#commit()} makes the matcher's index writes durable
 * ({@link MatcherCommitStore}), so a committed offset never covers an index write a crash could lose.
 *
 * <p>The matcher is shared by all tasks and threads: it must be thread-safe.
 */
public final class MatchingTopology {

  public static final String SOURCE = "features-source";
  public static final String PROCESSOR = "match";
  public static final String DUPLICATES_SINK = "duplicates-sink";
  public static final String VIOLATIONS_SINK = "violations-sink";
  public static final String OUTCOMES_SINK = "outcomes-sink";
  public static final String DEAD_LETTERS_SINK = "dead-letters-sink";
  public static final String REVIEW_FEEDBACK_SOURCE = "review-feedback-source";
  public static final String REVIEW_FEEDBACK_UPDATER = "review-feedback-updater";

  private MatchingTopology() {}

  /**
   * @param initialBackoff first wait after the index is found unavailable
   * @param maxBackoff longest single wait
   * @param retryBudget longest time one record is retried before it is handed back
   */
  public record Settings(Duration initialBackoff, Duration maxBackoff, Duration retryBudget) {

    public static final Settings DEFAULTS =
        new Settings(Duration.ofMillis(200), Duration.ofSeconds(5), Duration.ofSeconds(60));

    public Settings {
      positive(initialBackoff, "initialBackoff");
      positive(maxBackoff, "maxBackoff");
      positive(retryBudget, "retryBudget");
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException(
            "maxBackoff " + maxBackoff + " is shorter than initialBackoff " + initialBackoff);
      }
    }

    private static void positive(Duration value, String name) {
      Objects.requireNonNull(value, name);
      if (value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + value);
      }
    }
  }

  static String sinkOf(Decision decision) {
    return switch (Routing.of(decision)) {
      case DUPLICATES -> DUPLICATES_SINK;
      case VIOLATIONS -> VIOLATIONS_SINK;
      case OUTCOMES -> OUTCOMES_SINK;
    };
  }

  /** Counts dead letters in Micrometer's global registry (see {@link io.doppel.topology.deadletter.PoisonCounter}). */
  public static Topology build(Topics topics, Matcher matcher, Settings settings) {
    return build(topics, matcher, settings, Metrics.globalRegistry);
  }

  public static Topology build(
      Topics topics, Matcher matcher, Settings settings, MeterRegistry meters) {
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(matcher, "matcher");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(meters, "meters");
    Topology topology = new Topology();
    topology.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(ReviewSuppression.STORE),
                Serdes.String(),
                Serdes.String())
            .withLoggingDisabled(),
        REVIEW_FEEDBACK_SOURCE,
        Serdes.ByteArray().deserializer(),
        Serdes.ByteArray().deserializer(),
        topics.reviewFeedback().name(),
        REVIEW_FEEDBACK_UPDATER,
        () -> new ReviewFeedbackUpdater(topics.reviewFeedback()));
    topology.addSource(
        SOURCE,
        Serdes.ByteArray().deserializer(),
        Serdes.ByteArray().deserializer(),
        topics.features().name());
    topology.addProcessor(
        PROCESSOR, () -> new MatchProcessor(topics, matcher, settings, meters), SOURCE);
    topology.addStateStore(MatcherCommitStore.builder(matcher), PROCESSOR);
    addSink(topology, DUPLICATES_SINK, topics.duplicates());
    addSink(topology, VIOLATIONS_SINK, topics.violations());
    addSink(topology, OUTCOMES_SINK, topics.outcomes());
    topology.addSink(
        DEAD_LETTERS_SINK,
        topics.deadLetters().name(),
        topics.deadLetters().keySerde().serializer(),
        topics.deadLetters().valueSerde().serializer(),
        PROCESSOR);
    return topology;
  }

  private static void addSink(Topology topology, String name, Topic<ImageKey, MatchEvent> topic) {
    topology.addSink(
        name,
        topic.name(),
        topic.keySerde().serializer(),
        topic.valueSerde().serializer(),
        PROCESSOR);
  }
}
