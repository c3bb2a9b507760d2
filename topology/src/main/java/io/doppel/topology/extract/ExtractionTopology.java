package io.doppel.topology.extract;

import io.doppel.schemas.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * uploads → features | dead-letters, with micro-batches for the model.
 *
 * <p>Rules, per consumed record {@code r} on {@code doppel.uploads} (raw bytes, decoded here so
 * that no bad record reaches a deserializer that would stop the thread):
 *
 * <pre>
 * key(r) undecodable                  → DeadLetter(MALFORMED_RECORD)
 * key(r) = null                       → DeadLetter(INVALID_EVENT)
 * value(r) = null (tombstone)         → flush buffer; ImageFeatures(purpose = DELETE, no views)
 * value(r) undecodable                → DeadLetter(MALFORMED_RECORD), detail starts with the kind
 * ¬UploadChecks.valid(event, key)     → DeadLetter(INVALID_EVENT)
 * event.uploadedAt                    ← clamp(event.uploadedAt, timestamp(r) ± uploadedAtTolerance)
 * event.purpose = DELETE              → flush buffer; ImageFeatures(purpose = DELETE, no views)
 * |key(r)| + |value(r)| > MAX_BUFFERED_RECORD_BYTES → DeadLetter(TOO_LARGE), not buffered
 * otherwise                           → buffer ← buffer + r
 * |buffer| ≥ batchSize                → flush the batchSize oldest
 * now − bufferedAt(oldest) ≥ maxWait  → flush all (wall-clock punctuation, maxWait / 4 apart)
 * flush(b) = extract(b) once; Extracted → ImageFeatures, Failed(reason) → DeadLetter(reason)
 * </pre>
 *
 * See {@link DeleteFeatures} for what a deletion's features hold. Every upload thus ends as exactly
 * one ImageFeatures or one DeadLetter, in upload order per partition.
 *
 * <p><b>Why batching keeps exactly-once.</b> The buffer is a changelogged state store. Under
 * {@code exactly_once_v2} the writes to its changelog, the produced features and the consumed
 * offsets commit in one transaction, so a committed offset acknowledges an upload only if
 * {@code features(r) ∈ committed output ∨ r ∈ committed buffer}. A crash before the commit aborts
 * all three and the uploads are consumed again; a crash after it restores the buffer from the
 * changelog, and the next flush extracts those uploads. Nothing is acknowledged that is neither
 * produced nor durably buffered, and nothing is produced twice.
 *
 * <p>A batch is per task (per input partition). If the extractor throws (the extractor itself
 * failed, not an image), the thread is replaced and the task resumes from its last commit with the
 * buffer intact. The extractor is shared by all tasks and threads: it must be thread-safe.
 */
public final class ExtractionTopology {

  public static final String SOURCE = "uploads-source";
  public static final String PROCESSOR = "extract";
  public static final String FEATURES_SINK = "features-sink";
  public static final String DEAD_LETTERS_SINK = "dead-letters-sink";

  private ExtractionTopology() {}

  /**
   * @param batchSize most uploads per model call
   * @param maxWait longest an upload waits for its batch to fill
   * @param storeName the buffer's state store (its changelog topic derives from it)
   * @param uploadedAtTolerance how far an upload's {@code uploadedAt} (the producer's claim) may be from its record's
   *     timestamp (the broker's, where the topic has LogAppendTime) before it is moved to that distance: retro-scan
   *     windows and the index's times compare against it, so a backdated upload would escape every retro-scan
   */
  public record Settings(
      int batchSize, Duration maxWait, String storeName, Duration uploadedAtTolerance) {

    public static final String DEFAULT_STORE_NAME = "upload-batch";
    public static final Duration DEFAULT_UPLOADED_AT_TOLERANCE = Duration.ofHours(1);

    public Settings {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
      }
      Objects.requireNonNull(maxWait, "maxWait");
      if (maxWait.isNegative() || maxWait.isZero()) {
        throw new IllegalArgumentException("maxWait must be positive, got " + maxWait);
      }
      if (storeName == null || storeName.isBlank()) {
        throw new IllegalArgumentException("storeName must not be blank");
      }
      Objects.requireNonNull(uploadedAtTolerance, "uploadedAtTolerance");
      if (uploadedAtTolerance.isNegative()) {
        throw new IllegalArgumentException(
            "uploadedAtTolerance must not be negative, got " + uploadedAtTolerance);
      }
    }

    public static Settings of(int batchSize, Duration maxWait) {
      return new Settings(batchSize, maxWait, DEFAULT_STORE_NAME, DEFAULT_UPLOADED_AT_TOLERANCE);
    }

    public Settings withUploadedAtTolerance(Duration tolerance) {
      return new Settings(batchSize, maxWait, storeName, tolerance);
    }
  }

  /** Counts dead letters in Micrometer's global registry (see {@link io.doppel.topology.deadletter.PoisonCounter}). */
  public static Topology build(Topics topics, FeatureExtractor extractor, Settings settings) {
    return build(topics, extractor, settings, Metrics.globalRegistry);
  }

  /**
   * The largest upload record (key and value) the batch buffer takes: above the 2 MiB {@code max.message.bytes} of
   * Doppel's definition of {@code doppel.uploads}, so every upload that topic admits is buffered; a larger one (a topic
   * configured larger) is dead-lettered TOO_LARGE instead of failing the changelog write, which would replace the stream
   * thread and consume the record again forever. Guarded by {@code
   * ExtractionTopologyTest.anUploadRecordTooLargeForTheBufferIsADeadLetterWithoutItsBytes} and {@code LargeInlineUploadsIT}.
   */
  public static final int MAX_BUFFERED_RECORD_BYTES = 3 * 1024 * 1024;
  /** The buffer's changelog topic takes a buffered record and its framing. */
  static final int CHANGELOG_MAX_MESSAGE_BYTES = MAX_BUFFERED_RECORD_BYTES + 64 * 1024;

  public static Topology build(
      Topics topics, FeatureExtractor extractor, Settings settings, MeterRegistry meters) {
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(extractor, "extractor");
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(meters, "meters");
    Topology topology = new Topology();
    topology.addSource(
        SOURCE,
        Serdes.ByteArray().deserializer(),
        Serdes.ByteArray().deserializer(),
        topics.uploads().name());
    topology.addProcessor(
        PROCESSOR, () -> new UploadBatcher(topics, extractor, settings, meters), SOURCE);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(settings.storeName()),
                Serdes.Long(),
                BufferedUpload.serde())
            .withLoggingEnabled(Map.of(
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(CHANGELOG_MAX_MESSAGE_BYTES))),
        PROCESSOR);
    topology.addSink(
        FEATURES_SINK,
        topics.features().name(),
        topics.features().keySerde().serializer(),
        topics.features().valueSerde().serializer(),
        PROCESSOR);
    topology.addSink(
        DEAD_LETTERS_SINK,
        topics.deadLetters().name(),
        topics.deadLetters().keySerde().serializer(),
        topics.deadLetters().valueSerde().serializer(),
        PROCESSOR);
    return topology;
  }
}
