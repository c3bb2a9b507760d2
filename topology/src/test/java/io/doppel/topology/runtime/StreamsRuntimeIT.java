package io.doppel.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.schemas.Topics;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.topology.match.MatchingTopology;
import io.doppel.topology.testing.EmbeddedKafkaExtension;
import io.doppel.topology.testing.Samples;
import io.doppel.topology.testing.ScriptedMatcher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The runtime on a real broker: readiness, thread replacement, and a clean stop while failing. */
class StreamsRuntimeIT {

  @RegisterExtension
  static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration POLL = Duration.ofMillis(20);
  /** Long enough that close() arrives while the thread is still retrying. */
  private static final Duration RETRY_BUDGET = Duration.ofSeconds(3);

  private final Topics topics = Topics.using(new InMemorySchemaRegistry());

  @Test
  void aRuntimeClosedWhileItsThreadWaitsForADependencyStopsCleanly(@TempDir Path state)
      throws Exception {
    KAFKA.cluster().createTopics(Topics.NAMES, 1, 1);
    ScriptedMatcher matcher = new ScriptedMatcher();
    matcher.failNext(Integer.MAX_VALUE);
    var topology = MatchingTopology.build(
        topics,
        matcher,
        new MatchingTopology.Settings(Duration.ofMillis(10), Duration.ofMillis(50), RETRY_BUDGET));
    var runtime = StreamsRuntime.start(
        topology, StreamsRuntimeConfig.of(KAFKA.bootstrapServers(), "runtime-test", state));
    try {
      runtime.awaitRunning(START_TIMEOUT);
      assertThat(runtime.isReady()).isTrue();
      try (var producer = producer()) {
        var features = Samples.features(Samples.upload("waiting"));
        producer
            .send(new ProducerRecord<>(
                Topics.FEATURES,
                topics
                    .features()
                    .keySerde()
                    .serializer()
                    .serialize(Topics.FEATURES, Samples.key("waiting")),
                topics.features().valueSerde().serializer().serialize(Topics.FEATURES, features)))
            .get();
      }
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      while (matcher.calls() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(POLL.toMillis());
      }
      assertThat(matcher.calls()).as("the stream thread is retrying the index").isPositive();
      assertThat(runtime.isAlive()).isTrue();
    } finally {
      runtime.close();
    }
    assertThat(runtime.state()).isEqualTo(KafkaStreams.State.NOT_RUNNING);
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
