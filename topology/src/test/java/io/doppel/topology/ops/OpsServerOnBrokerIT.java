package io.doppel.topology.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.topology.testing.EmbeddedKafkaExtension;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ops endpoints of a real Kafka Streams client on a real broker: readiness follows the client
 * from CREATED to RUNNING, liveness fails once it has stopped, and the consumer-lag series the
 * alerts and the dashboard read is exposed.
 */
class OpsServerOnBrokerIT {

  @RegisterExtension
  static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

  private static final String APPLICATION = "doppel-ops-broker-test";
  private static final String INPUT = "doppel.ops-test.in";
  private static final String OUTPUT = "doppel.ops-test.out";
  private static final Duration RUNNING_DEADLINE = Duration.ofMinutes(2);
  private static final Duration POLL = Duration.ofMillis(200);

  @Test
  void readinessAndLivenessFollowTheStreamsClientAndLagIsExposed(@TempDir Path stateDir)
      throws Exception {
    KAFKA.cluster().createTopics(List.of(INPUT, OUTPUT), 1, 1);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(INPUT).to(OUTPUT);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);

    try (OpsMetrics metrics = OpsMetrics.forApplication(APPLICATION);
        OpsServer server = OpsServer.start(
            new OpsServer.Settings("127.0.0.1", 0, Duration.ZERO), metrics.registry());
        HttpClient http = HttpClient.newHttpClient()) {
      KafkaStreams streams = new KafkaStreams(builder.build(), props);
      KafkaStreamsMetrics binder = metrics.bindKafkaStreams(streams);
      server.watch(streams);

      int readyBeforeStart = get(http, server, Deployment.READINESS_PATH).statusCode();
      streams.start();
      awaitState(streams, KafkaStreams.State.RUNNING);
      HttpResponse<String> readyWhileRunning = get(http, server, Deployment.READINESS_PATH);
      String scrape = get(http, server, Deployment.METRICS_PATH).body();
      binder.close();
      streams.close(Duration.ofSeconds(30));
      int liveAfterClose = get(http, server, Deployment.LIVENESS_PATH).statusCode();

      assertThat(readyBeforeStart).isEqualTo(503);
      assertThat(readyWhileRunning.statusCode()).isEqualTo(200);
      assertThat(readyWhileRunning.body()).contains("\"kafka-streams\":\"UP\"");
      // What DoppelConsumerLagGrowing (deploy/prometheus/alerts.yml) and the dashboard read.
      assertThat(scrape.lines())
          .filteredOn(line -> line.startsWith(Deployment.CONSUMER_LAG_SERIES + "{"))
          .anySatisfy(line -> {
            assertThat(line).contains("application=\"" + APPLICATION + "\"");
            assertThat(line.replaceFirst(".*client_id=\"([^\"]+)\".*", "$1"))
                .matches(Deployment.MAIN_CONSUMER_CLIENT_ID_REGEX);
          });
      assertThat(scrape).contains("jvm_memory_used_bytes{");
      assertThat(liveAfterClose).as("a stopped client is not alive").isEqualTo(503);
    }
  }

  private static void awaitState(KafkaStreams streams, KafkaStreams.State wanted)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(RUNNING_DEADLINE);
    while (streams.state() != wanted && Instant.now().isBefore(deadline)) {
      Thread.sleep(POLL);
    }
    assertThat(streams.state()).as("streams state").isEqualTo(wanted);
  }

  private static HttpResponse<String> get(HttpClient http, OpsServer server, String path)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
