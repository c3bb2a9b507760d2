package io.doppel.review;

import io.doppel.review.feedback.ReviewLabels;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.ReviewDecision;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.schemas.serde.MalformedRecordException;
import io.doppel.topology.config.ConfigReader;
import io.doppel.topology.config.KafkaConnection;
import io.doppel.topology.config.SchemaRegistryConnection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Writes the labelled pairs of {@code doppel.review-feedback} as a CalibrationFitter CSV.
 *
 * <p>Usage: {@code ReviewLabelsMain [<bootstrap-servers> <schema-registry-url>] <out.csv>}. Kafka and the registry
 * are reached as every Doppel program reaches them ({@link ConfigReader}: {@code DOPPEL_KAFKA_*} with the client
 * security settings, {@code DOPPEL_SCHEMA_REGISTRY_URL} and {@code _AUTH}); the two optional arguments override the
 * bootstrap list and the registry URL.
 */
public final class ReviewLabelsMain {

  public static final String PROGRAM = "review-labels";
  private static final Duration POLL = Duration.ofMillis(500);

  private ReviewLabelsMain() {}

  /** Where to read from: the Kafka client settings (with security) and the registry. */
  record Connection(Map<String, Object> kafka, HttpSchemaRegistry.Settings registry) {}

  /** The connection from {@code environment} and the command line's overrides; every problem reported at once. */
  static Connection read(Map<String, String> environment, Map<String, String> overrides) {
    ConfigReader reader = ConfigReader.of(PROGRAM, environment, overrides);
    KafkaConnection kafka = KafkaConnection.read(reader);
    HttpSchemaRegistry.Settings registry = SchemaRegistryConnection.read(reader);
    reader.finish();
    Map<String, Object> clients = new HashMap<>(kafka.security());
    clients.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    clients.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new Connection(clients, registry);
  }

  public static void main(String[] args) throws IOException {
    if (args.length != 1 && args.length != 3) {
      System.err.println(
          "usage: ReviewLabelsMain [<bootstrap-servers> <schema-registry-url>] <out.csv>");
      System.exit(2);
    }
    Map<String, String> overrides = args.length == 3
        ? Map.of(KafkaConnection.BOOTSTRAP_SERVERS, args[0], SchemaRegistryConnection.URL, args[1])
        : Map.of();
    Path out = Path.of(args[args.length - 1]);
    Connection connection = read(System.getenv(), overrides);
    try (HttpSchemaRegistry registry = new HttpSchemaRegistry(connection.registry())) {
      List<ReviewDecision> decisions = readAll(connection.kafka(), Topics.using(registry));
      decisions.sort(Comparator.comparing(ReviewDecision::getDecidedAt));
      List<String> lines = ReviewLabels.csv(decisions);
      Files.write(out, lines);
      System.out.printf(
          "%d decisions, %d labelled pairs written to %s%n",
          decisions.size(), lines.size() - 1, out);
    }
  }

  static List<ReviewDecision> readAll(Map<String, Object> kafka, Topics topics) {
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(kafka, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
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
