package io.doppel.topology.match;

import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.Trigger;
import io.doppel.schemas.serde.MalformedRecordException;
import io.doppel.topology.deadletter.DeadLetters;
import io.doppel.topology.deadletter.PoisonCounter;
import io.doppel.topology.deadletter.RawRecord;
import io.doppel.topology.intake.Fields;
import io.doppel.topology.ops.DoppelMeters;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The matching stage of one task; see {@link MatchingTopology} for its rules. */
final class MatchProcessor implements Processor<byte[], byte[], ImageKey, SpecificRecord> {

  static final String STAGE = "matcher";

  private static final Logger LOG = LoggerFactory.getLogger(MatchProcessor.class);

  private final Topics topics;
  private final Matcher matcher;
  private final DependencyRetry retry;
  private final MeterRegistry meters;
  private final DoppelMeters doppelMeters;

  private ProcessorContext<ImageKey, SpecificRecord> context;
  private PoisonCounter poison;
  private KeyValueStore<String, String> reviews;

  MatchProcessor(
      Topics topics, Matcher matcher, MatchingTopology.Settings settings, MeterRegistry meters) {
    this.topics = topics;
    this.matcher = matcher;
    this.retry = new DependencyRetry(settings);
    this.meters = meters;
    this.doppelMeters = new DoppelMeters(meters);
  }

  @Override
  public void init(ProcessorContext<ImageKey, SpecificRecord> context) {
    this.context = context;
    this.poison =
        new PoisonCounter(context.metrics(), meters, STAGE, context.taskId().toString());
    this.reviews = context.getStateStore(ReviewSuppression.STORE);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RawRecord raw = RawRecord.of(context, record, topics.features().name());
    ImageKey key;
    try {
      key = topics.features().keySerde().deserializer().deserialize(raw.topic(), raw.key());
    } catch (MalformedRecordException e) {
      deadLetter(raw, null, null, DeadLetterReason.MALFORMED_RECORD, "key " + e.getMessage());
      return;
    }
    if (key == null) {
      deadLetter(raw, null, null, DeadLetterReason.INVALID_EVENT, "record has no key");
      return;
    }
    if (raw.value() == null) {
      deadLetter(
          raw,
          key,
          null,
          DeadLetterReason.INVALID_EVENT,
          "tombstone on " + raw.topic() + ": deletions travel as features with purpose DELETE");
      return;
    }
    ImageFeatures features;
    try {
      features =
          topics.features().valueSerde().deserializer().deserialize(raw.topic(), raw.value());
    } catch (MalformedRecordException e) {
      deadLetter(raw, key, null, DeadLetterReason.MALFORMED_RECORD, "value " + e.getMessage());
      return;
    }
    Optional<String> problem = problemOf(features);
    if (problem.isPresent()) {
      deadLetter(raw, key, null, DeadLetterReason.INVALID_EVENT, problem.get());
      return;
    }
    String what = "match " + key.getTenant() + "/" + key.getImageId();
    List<MatchEvent> events;
    try {
      events = retry.call(() -> matcher.match(features), what);
    } catch (DependencyUnavailableException e) {
      throw e;
    } catch (RefusedRecordException e) {
      deadLetter(
          raw,
          key,
          features.getSource() == null ? null : features.getSource().toString(),
          DeadLetterReason.INVALID_EVENT,
          e.getMessage());
      return;
    } catch (RuntimeException e) {
      // Not the index being away but this record the matcher cannot handle: retrying would loop.
      LOG.warn("{} failed; dead-lettering it", what, e);
      deadLetter(
          raw,
          key,
          features.getSource() == null ? null : features.getSource().toString(),
          DeadLetterReason.UNKNOWN,
          e.toString());
      return;
    }
    if (events.isEmpty()) {
      // The port promises at least one event; without one the upload would have no outcome at all.
      deadLetter(
          raw,
          key,
          features.getSource() == null ? null : features.getSource().toString(),
          DeadLetterReason.UNKNOWN,
          "the matcher returned no outcome for " + what);
      return;
    }
    for (MatchEvent decided : events) {
      MatchEvent event = ReviewSuppression.apply(decided, this::reviewed);
      ImageKey eventKey = new ImageKey(event.getTenant(), event.getImageId());
      context.forward(
          new Record<>(eventKey, event, raw.timestamp()),
          MatchingTopology.sinkOf(event.getDecision()));
      if (event.getTrigger() == Trigger.UPLOAD) {
        doppelMeters.decisionLatency(
            event.getDecision().name(),
            Duration.between(event.getUploadedAt(), event.getDecidedAt()));
      }
    }
  }

  /**
   * The first id, name or source of {@code features} that the index could not hold or a page could not show ({@link
   * Fields}): the extractor checks uploads alike, but features may come from an older extractor or a replay tool.
   */
  static Optional<String> problemOf(ImageFeatures features) {
    return Stream.of(
            Fields.nameProblem("tenant", features.getTenant()),
            Fields.nameProblem("imageId", features.getImageId()),
            Fields.nameProblem("uploader", features.getUploader()),
            Fields.nameProblem("rightsHolder", features.getRightsHolder()),
            Fields.nameProblem("referenceSet", features.getReferenceSet()),
            Fields.sourceProblem(features.getSource()))
        .flatMap(Optional::stream)
        .findFirst();
  }

  private ReviewAction reviewed(String key) {
    String action = reviews.get(key);
    return action == null ? null : ReviewAction.valueOf(action);
  }

  private void deadLetter(
      RawRecord raw, ImageKey key, String source, DeadLetterReason reason, String detail) {
    poison.count(reason);

    var letter = DeadLetters.of(
        STAGE,
        raw,
        key,
        source,
        reason,
        detail,
        Instant.ofEpochMilli(context.currentSystemTimeMs()));
    LOG.debug(
        "dead letter {} from {}-{}@{}: {}",
        reason,
        raw.topic(),
        raw.partition(),
        raw.offset(),
        letter.getDetail());
    context.forward(
        new Record<>(DeadLetters.boundedKey(key), letter, raw.timestamp()),
        MatchingTopology.DEAD_LETTERS_SINK);
  }

  @Override
  public void close() {
    if (poison != null) {
      poison.close();
    }
  }
}
