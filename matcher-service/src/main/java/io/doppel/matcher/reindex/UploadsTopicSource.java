package io.doppel.matcher.reindex;

import io.doppel.matcher.index.ImageRef;
import io.doppel.schemas.Topic;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.topology.extract.ExtractionTopology;
import io.doppel.topology.extract.UploadTimes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Every live image on the compacted uploads topic, read under the job's own consumer group up to
 * the end offsets the topic had when the job started (uploads arriving later are the live
 * pipeline's, or the next run's). Offsets are committed when the job acknowledges a batch, so a
 * failed or repeated run continues where the last one stopped. Tombstones become deletions.
 */
public final class UploadsTopicSource implements ReindexSource {

  private static final Duration POLL = Duration.ofMillis(200);

  private final Topic<ImageKey, UploadEvent> topic;
  private final String group;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<TopicPartition, Long> endAtStart;
  private final Map<TopicPartition, Long> handedOut = new HashMap<>();
  private final long size;
  private final int maxBatch;

  /**
   * @param kafka bootstrap servers and security settings (consumer properties)
   * @param group the job's consumer group, e.g. {@code doppel-reindex-<model version>}: one per
   *     target model, so each backfill reads the topic once
   * @param maxBatch the most records one {@link #next} hands out (the job's batch size)
   */
  public UploadsTopicSource(
      Properties kafka, Topic<ImageKey, UploadEvent> topic, String group, int maxBatch) {
    this.topic = topic;
    this.group = group;
    this.maxBatch = maxBatch;
    Properties props = new Properties();
    props.putAll(kafka);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxBatch);
    this.consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    try {
      List<TopicPartition> partitions = consumer.partitionsFor(topic.name()).stream()
          .map(info -> new TopicPartition(info.topic(), info.partition()))
          .toList();
      if (partitions.isEmpty()) {
        throw new IllegalStateException("topic " + topic.name() + " has no partitions");
      }
      consumer.assign(partitions);
      this.endAtStart = Map.copyOf(consumer.endOffsets(partitions));
      Map<TopicPartition, OffsetAndMetadata> committed =
          consumer.committed(java.util.Set.copyOf(partitions));
      long remaining = 0;
      for (TopicPartition partition : partitions) {
        OffsetAndMetadata offset = committed.get(partition);
        long start = offset != null
            ? offset.offset()
            : consumer.beginningOffsets(List.of(partition)).get(partition);
        consumer.seek(partition, start);
        handedOut.put(partition, start);
        remaining += Math.max(0, endAtStart.get(partition) - start);
      }
      this.size = remaining;
    } catch (RuntimeException e) {
      consumer.close();
      throw e;
    }
  }

  /** At most {@code max.poll.records} (the batch size given at construction) items a call. */
  @Override
  public List<ReindexItem> next(int max) {
    if (max < maxBatch) {
      throw new IllegalArgumentException(
          "this source hands out batches of " + maxBatch + ", asked for " + max);
    }
    List<ReindexItem> batch = new ArrayList<>();
    while (batch.isEmpty() && !finished()) {
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        // records past the end at start belong to the live pipeline (or the next run): not handed
        // out, not committed
        if (record.offset() < endAtStart.get(partition)) {
          batch.add(item(record));
          handedOut.put(partition, record.offset() + 1);
        }
      }
    }
    return batch;
  }

  private boolean finished() {
    for (Map.Entry<TopicPartition, Long> end : endAtStart.entrySet()) {
      if (consumer.position(end.getKey()) < end.getValue()) {
        return false;
      }
    }
    return true;
  }

  private ReindexItem item(ConsumerRecord<byte[], byte[]> record) {
    ImageKey key = topic.keySerde().deserializer().deserialize(record.topic(), record.key());
    UploadEvent event = record.value() == null
        ? null
        : topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
    if (event != null) {
      // as the extractor records it, so that a re-indexed image has the time the live pipeline gave
      // it
      event.setUploadedAt(UploadTimes.bounded(
          event.getUploadedAt(),
          record.timestamp(),
          ExtractionTopology.Settings.DEFAULT_UPLOADED_AT_TOLERANCE));
    }
    return new ReindexItem(new ImageRef(key.getTenant(), key.getImageId()), event);
  }

  @Override
  public void acknowledge() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    handedOut.forEach((partition, offset) -> offsets.put(partition, new OffsetAndMetadata(offset)));
    consumer.commitSync(offsets);
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public String describe() {
    return "topic " + topic.name() + " up to its end offsets at start " + endAtStart.values()
        + " (group " + group + ", " + size + " records to read)";
  }

  @Override
  public void close() {
    consumer.close();
  }
}
