package io.doppel.standalone.eval;

import io.doppel.schemas.Topic;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.Trigger;
import io.doppel.schemas.avro.UploadEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Drives the pipeline from the outside, as a platform would: produces upload events to the
 * uploads topic and reads the terminal outcomes (duplicates, violations, outcomes, dead letters)
 * back with {@code read_committed}. Retro-scan violations are reported separately: they are about
 * earlier uploads, not terminal outcomes of the upload that triggered them.
 */
public final class PipelineDriver implements AutoCloseable {

  private static final Duration POLL = Duration.ofMillis(100);

  private final Topics topics;
  private final KafkaProducer<ImageKey, UploadEvent> producer;
  private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
  private final Map<String, Long> sentNanos = new ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicReference<Throwable> readerFailure = new AtomicReference<>();
  private final Thread reader;

  public PipelineDriver(String bootstrapServers, Topics topics, Consumer<Outcome> onOutcome) {
    this.topics = topics;
    Properties producerProps = new Properties();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
    this.producer = new KafkaProducer<>(
        producerProps,
        topics.uploads().keySerde().serializer(),
        topics.uploads().valueSerde().serializer());
    Properties consumerProps = new Properties();
    consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "doppel-driver-" + UUID.randomUUID());
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(
        List.of(Topics.DUPLICATES, Topics.VIOLATIONS, Topics.OUTCOMES, Topics.DEAD_LETTERS));
    this.reader = Thread.ofPlatform().name("doppel-driver-reader").daemon().start(() -> {
      try (consumer) {
        while (running.get()) {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
            Outcome outcome = decode(record);
            if (outcome != null && outcomes.putIfAbsent(outcome.imageId(), outcome) == null) {
              onOutcome.accept(outcome);
            }
          }
        }
      } catch (RuntimeException e) {
        readerFailure.set(e);
      }
    });
  }

  private Outcome decode(ConsumerRecord<byte[], byte[]> record) {
    long now = System.nanoTime();
    if (record.topic().equals(Topics.DEAD_LETTERS)) {
      DeadLetter letter = topics
          .deadLetters()
          .valueSerde()
          .deserializer()
          .deserialize(record.topic(), record.value());
      return letter.getImageId() == null
          ? null
          : new Outcome(letter.getImageId(), null, letter, now);
    }
    Topic<ImageKey, MatchEvent> topic = switch (record.topic()) {
      case Topics.DUPLICATES -> topics.duplicates();
      case Topics.VIOLATIONS -> topics.violations();
      default -> topics.outcomes();
    };
    MatchEvent event =
        topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
    if (event.getTrigger() == Trigger.RETRO_SCAN) {
      return null;
    }
    return new Outcome(event.getImageId(), event, null, now);
  }

  /** Sends one image of a local folder as an upload event referring to it by a file:// URI. */
  public void send(String tenant, String imageId, Purpose purpose, Path file, String rightsHolder) {
    UploadEvent event = UploadEvent.newBuilder()
        .setTenant(tenant)
        .setImageId(imageId)
        .setPurpose(purpose)
        .setRightsHolder(rightsHolder)
        .setReferenceSet(rightsHolder)
        .setSource(file.toAbsolutePath().toUri().toString())
        .setUploadedAt(Instant.now())
        .build();
    sentNanos.put(imageId, System.nanoTime());
    producer.send(new ProducerRecord<>(Topics.UPLOADS, new ImageKey(tenant, imageId), event));
  }

  public void flush() {
    producer.flush();
  }

  public Outcome outcome(String imageId) {
    return outcomes.get(imageId);
  }

  /** Drops what the driver holds of an image (its outcome, its send time), so that the id can be sent again and timed anew. */
  public void forget(String imageId) {
    outcomes.remove(imageId);
    sentNanos.remove(imageId);
  }

  /** Upload-to-outcome latency of an image in nanoseconds, or -1 if it has no outcome yet. */
  public long latencyNanos(String imageId) {
    Outcome outcome = outcomes.get(imageId);
    Long sent = sentNanos.get(imageId);
    return outcome == null || sent == null ? -1 : outcome.receivedNanos() - sent;
  }

  /** Waits until every id has an outcome; fails with the missing count after {@code timeout} without progress. */
  public void awaitOutcomes(List<String> imageIds, Duration stallTimeout, Consumer<Long> progress)
      throws InterruptedException {
    long lastCount = -1;
    long lastProgressNanos = System.nanoTime();
    while (true) {
      Throwable failure = readerFailure.get();
      if (failure != null) {
        throw new IllegalStateException("reading outcomes failed: " + failure, failure);
      }
      long count = imageIds.stream().filter(outcomes::containsKey).count();
      progress.accept(count);
      if (count == imageIds.size()) {
        return;
      }
      if (count != lastCount) {
        lastCount = count;
        lastProgressNanos = System.nanoTime();
      } else if (System.nanoTime() - lastProgressNanos > stallTimeout.toNanos()) {
        throw new IllegalStateException((imageIds.size() - count) + " of " + imageIds.size()
            + " uploads have no outcome after " + stallTimeout.toSeconds() + " s without progress");
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    producer.close();
    reader.join(Duration.ofSeconds(5));
  }
}
