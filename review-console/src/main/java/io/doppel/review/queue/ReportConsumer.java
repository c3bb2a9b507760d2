package io.doppel.review.queue;

import io.doppel.schemas.Topic;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.ReviewDecision;
import io.doppel.schemas.serde.MalformedRecordException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the decision topics (duplicates, violations, outcomes) and review-feedback from the
 * beginning, {@code read_committed}, into a {@link ReportQueue}. It is a viewer, not a worker: it
 * joins no consumer group and commits nothing, so every console instance sees every report.
 * Records it cannot decode are counted and skipped.
 */
public final class ReportConsumer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ReportConsumer.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Topics topics;
  private final ReportQueue queue;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Thread thread;

  private ReportConsumer(KafkaConsumer<byte[], byte[]> consumer, Topics topics, ReportQueue queue) {
    this.consumer = consumer;
    this.topics = topics;
    this.queue = queue;
    this.thread = Thread.ofPlatform().name("doppel-review-reader").daemon().unstarted(this::run);
  }

  /** Assigns every partition of the four topics, from the beginning, and starts reading. */
  public static ReportConsumer start(
      Map<String, Object> kafkaSettings, Topics topics, ReportQueue queue) {
    Properties properties = new Properties();
    properties.putAll(kafkaSettings);
    properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    properties.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "doppel-review-console");
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    try {
      List<TopicPartition> partitions = new ArrayList<>();
      for (String topic :
          List.of(Topics.DUPLICATES, Topics.VIOLATIONS, Topics.OUTCOMES, Topics.REVIEW_FEEDBACK)) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
        if (infos == null || infos.isEmpty()) {
          throw new IllegalStateException(
              "topic " + topic + " does not exist; create the topic table first");
        }
        infos.forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
    ReportConsumer reader = new ReportConsumer(consumer, topics, queue);
    reader.thread.start();
    return reader;
  }

  /** Records skipped because they could not be decoded. */
  public long skipped() {
    return skipped.get();
  }

  /** Whether the reader is still reading (it stops for good on an error it cannot skip). */
  public boolean isAlive() {
    return thread.isAlive() && failure.get() == null;
  }

  private void run() {
    try {
      while (running.get()) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          take(record);
        }
      }
    } catch (WakeupException e) {
      // close() asked us to stop.
    } catch (RuntimeException e) {
      failure.set(e);
      LOG.error("the review console stopped reading reports", e);
    } finally {
      consumer.close();
      stopped.countDown();
    }
  }

  private void take(ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      return;
    }
    try {
      if (record.topic().equals(Topics.REVIEW_FEEDBACK)) {
        Topic<ImageKey, ReviewDecision> feedback = topics.reviewFeedback();
        queue.accept(
            feedback.valueSerde().deserializer().deserialize(record.topic(), record.value()));
        return;
      }
      Topic<ImageKey, MatchEvent> topic = switch (record.topic()) {
        case Topics.DUPLICATES -> topics.duplicates();
        case Topics.VIOLATIONS -> topics.violations();
        default -> topics.outcomes();
      };
      MatchEvent event =
          topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
      queue.accept(Report.idOf(record.topic(), record.partition(), record.offset()), event);
    } catch (MalformedRecordException e) {
      skipped.incrementAndGet();
      LOG.warn(
          "skipping {}-{}@{}: {}",
          record.topic(),
          record.partition(),
          record.offset(),
          e.getMessage());
    }
  }

  @Override
  public void close() {
    running.set(false);
    consumer.wakeup();
    try {
      if (!stopped.await(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("the report reader did not stop within {}", STOP_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
