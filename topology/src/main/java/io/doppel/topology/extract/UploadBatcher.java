package io.doppel.topology.extract;

import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.serde.MalformedRecordException;
import io.doppel.topology.deadletter.DeadLetters;
import io.doppel.topology.deadletter.PoisonCounter;
import io.doppel.topology.deadletter.RawRecord;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The extraction stage of one task; see {@link ExtractionTopology} for its rules. */
final class UploadBatcher implements Processor<byte[], byte[], ImageKey, SpecificRecord> {

  static final String STAGE = "extractor";
  /** The buffer is checked this many times per {@code maxWait}, so no upload waits much longer. */
  static final int CHECKS_PER_MAX_WAIT = 4;

  private static final Logger LOG = LoggerFactory.getLogger(UploadBatcher.class);

  private final Topics topics;
  private final FeatureExtractor extractor;
  private final ExtractionTopology.Settings settings;
  private final MeterRegistry meters;

  private ProcessorContext<ImageKey, SpecificRecord> context;
  private KeyValueStore<Long, BufferedUpload> buffer;
  private PoisonCounter poison;
  private long nextSequence;
  private int buffered;

  UploadBatcher(
      Topics topics,
      FeatureExtractor extractor,
      ExtractionTopology.Settings settings,
      MeterRegistry meters) {
    this.topics = topics;
    this.extractor = extractor;
    this.settings = settings;
    this.meters = meters;
  }

  @Override
  public void init(ProcessorContext<ImageKey, SpecificRecord> context) {
    this.context = context;
    this.buffer = context.getStateStore(settings.storeName());
    this.poison =
        new PoisonCounter(context.metrics(), meters, STAGE, context.taskId().toString());
    // After a restart or fail-over the buffer holds what the changelog restored: resume after it.
    try (var entries = buffer.all()) {
      while (entries.hasNext()) {
        nextSequence = Math.max(nextSequence, entries.next().key + 1);
        buffered++;
      }
    }
    Duration checkEvery = settings.maxWait().dividedBy(CHECKS_PER_MAX_WAIT);
    context.schedule(
        checkEvery.isZero() ? Duration.ofMillis(1) : checkEvery,
        PunctuationType.WALL_CLOCK_TIME,
        this::flushIfDue);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RawRecord raw = RawRecord.of(context, record, topics.uploads().name());
    ImageKey key;
    try {
      key = topics.uploads().keySerde().deserializer().deserialize(raw.topic(), raw.key());
    } catch (MalformedRecordException e) {
      deadLetter(raw, null, null, DeadLetterReason.MALFORMED_RECORD, "key " + e.getMessage());
      return;
    }
    if (key == null) {
      deadLetter(raw, null, null, DeadLetterReason.INVALID_EVENT, "record has no key");
      return;
    }
    if (raw.value() == null) {
      forwardDeletion(raw, key, null);
      return;
    }
    UploadEvent event;
    try {
      event = topics.uploads().valueSerde().deserializer().deserialize(raw.topic(), raw.value());
    } catch (MalformedRecordException e) {
      deadLetter(raw, key, null, DeadLetterReason.MALFORMED_RECORD, "value " + e.getMessage());
      return;
    }
    Optional<String> problem = UploadChecks.problem(key, event);
    if (problem.isPresent()) {
      deadLetter(raw, key, sourceOf(event), DeadLetterReason.INVALID_EVENT, problem.get());
      return;
    }
    if (event.getPurpose() == Purpose.DELETE) {
      forwardDeletion(raw, key, event);
      return;
    }
    long size = (raw.key() == null ? 0L : raw.key().length) + raw.value().length;
    if (size > ExtractionTopology.MAX_BUFFERED_RECORD_BYTES) {
      deadLetter(
          raw,
          key,
          sourceOf(event),
          DeadLetterReason.TOO_LARGE,
          "upload record of " + size + " bytes is above the "
              + ExtractionTopology.MAX_BUFFERED_RECORD_BYTES + " the batch buffer takes");
      return;
    }
    buffer.put(nextSequence++, new BufferedUpload(raw, context.currentSystemTimeMs()));
    buffered++;
    if (buffered >= settings.batchSize()) {
      flushOldest(settings.batchSize());
    }
  }

  /** A deletion must not overtake an upload of the same image still in the buffer: flush first. */
  private void forwardDeletion(RawRecord raw, ImageKey key, UploadEvent event) {
    flushAll();
    ImageFeatures deletion =
        DeleteFeatures.of(key, event, Instant.ofEpochMilli(raw.timestamp()), now());
    context.forward(new Record<>(key, deletion, raw.timestamp()), ExtractionTopology.FEATURES_SINK);
  }

  private void flushIfDue(long wallClockMs) {
    if (buffered == 0) {
      return;
    }
    long oldestBufferedAt;
    try (var entries = buffer.all()) {
      oldestBufferedAt = entries.next().value.bufferedAtMs();
    }
    if (wallClockMs - oldestBufferedAt >= settings.maxWait().toMillis()) {
      flushAll();
    }
  }

  private void flushAll() {
    while (buffered > 0) {
      flushOldest(settings.batchSize());
    }
  }

  /** One model call for up to {@code max} of the oldest buffered uploads, then out of the buffer. */
  private void flushOldest(int max) {
    List<KeyValue<Long, BufferedUpload>> entries = new ArrayList<>(max);
    try (var all = buffer.all()) {
      while (all.hasNext() && entries.size() < max) {
        entries.add(all.next());
      }
    }
    List<RawRecord> records = new ArrayList<>(entries.size());
    List<ImageKey> keys = new ArrayList<>(entries.size());
    List<UploadEvent> events = new ArrayList<>(entries.size());
    for (var entry : entries) {
      RawRecord raw = entry.value.record();
      try {
        ImageKey key =
            topics.uploads().keySerde().deserializer().deserialize(raw.topic(), raw.key());
        UploadEvent event =
            topics.uploads().valueSerde().deserializer().deserialize(raw.topic(), raw.value());
        event.setUploadedAt(UploadTimes.bounded(
            event.getUploadedAt(), raw.timestamp(), settings.uploadedAtTolerance()));
        records.add(raw);
        keys.add(key);
        events.add(event);
      } catch (MalformedRecordException e) {
        // Decoded once already; this happens only if the registry lost the schema since (an
        // in-memory registry restarted). Retrying cannot help, so it must not stop the flush.
        deadLetter(
            raw, null, null, DeadLetterReason.MALFORMED_RECORD, "buffered " + e.getMessage());
      }
    }
    // A throw here (the extractor itself failed) leaves the buffer as it is: nothing is lost.
    List<Extraction> results =
        events.isEmpty() ? List.of() : extractor.extract(List.copyOf(events));
    if (results.size() != events.size()) {
      throw new IllegalStateException("the feature extractor returned " + results.size()
          + " results for a batch of " + events.size());
    }
    for (int i = 0; i < results.size(); i++) {
      RawRecord raw = records.get(i);
      switch (results.get(i)) {
        case Extraction.Extracted extracted ->
          context.forward(
              new Record<>(keys.get(i), extracted.features(), raw.timestamp()),
              ExtractionTopology.FEATURES_SINK);
        case Extraction.Failed failed ->
          deadLetter(raw, keys.get(i), sourceOf(events.get(i)), failed.reason(), failed.detail());
      }
    }
    for (var entry : entries) {
      buffer.delete(entry.key);
    }
    buffered -= entries.size();
  }

  private void deadLetter(
      RawRecord raw, ImageKey key, String source, DeadLetterReason reason, String detail) {
    poison.count(reason);

    var letter = DeadLetters.of(STAGE, raw, key, source, reason, detail, now());
    LOG.debug(
        "dead letter {} from {}-{}@{}: {}",
        reason,
        raw.topic(),
        raw.partition(),
        raw.offset(),
        letter.getDetail());
    context.forward(
        new Record<>(DeadLetters.boundedKey(key), letter, raw.timestamp()),
        ExtractionTopology.DEAD_LETTERS_SINK);
  }

  private Instant now() {
    return Instant.ofEpochMilli(context.currentSystemTimeMs());
  }

  private static String sourceOf(UploadEvent event) {
    return event.getSource() == null ? null : event.getSource().toString();
  }

  @Override
  public void close() {
    if (poison != null) {
      poison.close();
    }
  }
}
