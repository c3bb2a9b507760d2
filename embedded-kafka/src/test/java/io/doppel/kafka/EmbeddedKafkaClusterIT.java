package io.doppel.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaClusterIT {

  private static final String TOPIC = "replicated";
  private static final int PARTITIONS = 3;
  private static final int BATCH = 50;
  private static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(60);

  @Test
  void threeNodesKeepAcceptingAcksAllWritesWhileOneIsDownAndTakeItBack(@TempDir Path data)
      throws Exception {
    try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(
        EmbeddedKafkaCluster.Settings.nodes(3).withDataDirectory(data))) {
      cluster.createTopics(List.of(TOPIC), PARTITIONS, 3);
      assertThat(minInsyncReplicas(cluster)).isEqualTo("2");

      try (KafkaProducer<String, String> producer = producer(cluster)) {
        send(producer, "before", BATCH);
        cluster.stopNode(1);
        assertThat(cluster.isRunning(1)).isFalse();
        send(producer, "during", BATCH);
        assertThat(readAll(cluster, 2 * BATCH)).hasSize(2 * BATCH);

        cluster.startNode(1);
        assertThat(cluster.isRunning(1)).isTrue();
        send(producer, "after", BATCH);
      }
      List<String> values = readAll(cluster, 3 * BATCH);
      assertThat(values)
          .hasSize(3 * BATCH)
          .doesNotHaveDuplicates()
          .contains("before-0", "during-" + (BATCH - 1), "after-" + (BATCH - 1));
      assertThat(Files.readString(data.resolve("node-1").resolve("server.log")))
          .contains("Kafka Server started");

      cluster.stopNodeGracefully(2);
      assertThat(cluster.isRunning(2)).isFalse();
      cluster.startNode(2);
      assertThat(readAll(cluster, 3 * BATCH)).hasSize(3 * BATCH);
    }
  }

  @Test
  void aSingleNodeStartsInATemporaryDirectoryRemovedOnClose() {
    Path directory;
    try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.startSingleNode()) {
      directory = cluster.dataDirectory();
      assertThat(cluster.bootstrapServers()).startsWith("127.0.0.1:");
      cluster.createTopics(List.of("single"), 1, 1);
      assertThatThrownBy(() -> cluster.createTopics(List.of("too-wide"), 1, 2))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("replication 2");
    }
    assertThat(directory).doesNotExist();
  }

  @Test
  void aClusterOnACallersDirectoryKeepsItsDataAcrossRestarts(@TempDir Path data) throws Exception {
    var settings = EmbeddedKafkaCluster.Settings.singleNode().withDataDirectory(data);
    try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(settings)) {
      cluster.createTopics(List.of(TOPIC), PARTITIONS, 1);
      try (KafkaProducer<String, String> producer = producer(cluster)) {
        send(producer, "kept", BATCH);
      }
    }
    assertThat(data).isDirectory();
    try (EmbeddedKafkaCluster cluster = EmbeddedKafkaCluster.start(settings)) {
      assertThat(readAll(cluster, BATCH)).hasSize(BATCH).contains("kept-0", "kept-" + (BATCH - 1));
    }
  }

  @Test
  void aNodeThatCannotStartFailsWithItsLogTail(@TempDir Path data) {
    var settings = EmbeddedKafkaCluster.Settings.singleNode()
        .withDataDirectory(data)
        .withBrokerProperties(Map.of("num.network.threads", "not-a-number"));
    assertThatThrownBy(() -> EmbeddedKafkaCluster.start(settings))
        .isInstanceOf(EmbeddedKafkaCluster.StartupException.class)
        .hasMessageContaining("exited during start-up")
        .hasMessageContaining("num.network.threads");
  }

  private static String minInsyncReplicas(EmbeddedKafkaCluster cluster) throws Exception {
    try (Admin admin = Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()))) {
      var resource = new org.apache.kafka.common.config.ConfigResource(
          org.apache.kafka.common.config.ConfigResource.Type.TOPIC, TOPIC);
      return admin
          .describeConfigs(List.of(resource))
          .all()
          .get()
          .get(resource)
          .get("min.insync.replicas")
          .value();
    }
  }

  private static KafkaProducer<String, String> producer(EmbeddedKafkaCluster cluster) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  private static void send(KafkaProducer<String, String> producer, String prefix, int count)
      throws InterruptedException, ExecutionException {
    var sends = IntStream.range(0, count)
        .mapToObj(i -> producer.send(new ProducerRecord<>(TOPIC, prefix + i, prefix + "-" + i)))
        .toList();
    for (var send : sends) {
      send.get();
    }
  }

  private static List<String> readAll(EmbeddedKafkaCluster cluster, int expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<String> values = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      var partitions = IntStream.range(0, PARTITIONS)
          .mapToObj(i -> new TopicPartition(TOPIC, i))
          .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + CONSUME_TIMEOUT.toNanos();
      while (values.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          values.add(record.value());
        }
      }
    }
    return values;
  }
}
