package io.doppel.review;

import io.doppel.review.feedback.ReviewLabels;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.ReviewDecision;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.schemas.serde.MalformedRecordException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Writes the labelled pairs of {@code doppel.review-feedback} as a CalibrationFitter CSV.
 *
 * <p>Usage: {@code ReviewLabelsMain <bootstrap-servers> <schema-registry-url> <out.csv>}
 */
public final class ReviewLabelsMain {

  private static final Duration POLL = Duration.ofMillis(500);

  private ReviewLabelsMain() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      System.err.println(
          "usage: ReviewLabelsMain <bootstrap-servers> <schema-registry-url> <out.csv>");
      System.exit(2);
    }
    try (HttpSchemaRegistry registry =
        new HttpSchemaRegistry(HttpSchemaRegistry.Settings.of(args[1]))) {
      List<ReviewDecision> decisions = readAll(args[0], Topics.using(registry));
      decisions.sort(Comparator.comparing(ReviewDecision::getDecidedAt));
      List<String> lines = ReviewLabels.csv(decisions);
      Files.write(Path.of(args[2]), lines);
      System.out.printf(
          "%d decisions, %d labelled pairs written to %s%n",
          decisions.size(), lines.size() - 1, args[2]);
    }
  }

  static List<ReviewDecision> readAll(String bootstrapServers, Topics topics) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
            "read_committed"),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.REVIEW_FEEDBACK).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition()))
          .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ReviewDecision> decisions = new ArrayList<>();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        consumer.poll(POLL).forEach(r -> {
          try {
            if (r.value() != null) {
              decisions.add(topics
                  .reviewFeedback()
                  .valueSerde()
                  .deserializer()
                  .deserialize(r.topic(), r.value()));
            }
          } catch (MalformedRecordException e) {
            System.err.printf(
                "skipping %s-%d@%d: %s%n", r.topic(), r.partition(), r.offset(), e.getMessage());
          }
        });
      }
      return decisions;
    }
  }
}
