package io.doppel.topology.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpsServerTest {

  private static final String LOOPBACK = "127.0.0.1";
  private static final String APPLICATION = "doppel-ops-test";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newHttpClient();
  private OpsMetrics metrics;
  private OpsServer server;

  @BeforeEach
  void createMetrics() {
    metrics = OpsMetrics.forApplication(APPLICATION);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    metrics.close();
    http.close();
  }

  @Test
  void metricsEndpointExposesJvmMetricsAndDoppelMeters() throws Exception {
    Counter.builder(DoppelMeter.IMAGES.meterName())
        .tag("outcome", "features")
        .register(metrics.registry())
        .increment(3);
    Timer.builder(DoppelMeter.STAGE.meterName())
        .tag("stage", "decode")
        .publishPercentileHistogram()
        .register(metrics.registry())
        .record(Duration.ofMillis(12));
    server = start();

    HttpResponse<String> response = get(Deployment.METRICS_PATH);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValue(OpsServer.PROMETHEUS_CONTENT_TYPE);
    assertThat(response.body())
        .contains("jvm_memory_used_bytes{")
        .contains("jvm_threads_live_threads{")
        .contains("jvm_gc_")
        .contains("system_cpu_count{")
        .contains("process_uptime_seconds{")
        .contains(DoppelMeter.IMAGES.prometheusName()
            + "{application=\""
            + APPLICATION
            + "\",outcome=\"features\"} 3.0")
        .contains(DoppelMeter.STAGE.prometheusName() + "_bucket{")
        .contains(DoppelMeter.STAGE.prometheusName() + "_count{application=\"" + APPLICATION
            + "\",stage=\"decode\"} 1");
  }

  @Test
  void livenessAnswersWhileTheProcessIsUpWhateverTheChecks() throws Exception {
    server = start(new HealthCheck("never", () -> false));

    HttpResponse<String> response = get(Deployment.LIVENESS_PATH);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body()).get("status").asText()).isEqualTo("UP");
  }

  @Test
  void livenessFailsWhenALivenessCheckFails() throws Exception {
    AtomicBoolean alive = new AtomicBoolean(true);
    server = start();
    server.addLivenessCheck(new HealthCheck(HealthCheck.KAFKA_STREAMS, alive::get));

    HttpResponse<String> before = get(Deployment.LIVENESS_PATH);
    alive.set(false);
    HttpResponse<String> after = get(Deployment.LIVENESS_PATH);

    assertThat(before.statusCode()).isEqualTo(200);
    assertThat(after.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(after.body()).at("/checks/kafka-streams").asText()).isEqualTo("DOWN");
  }

  @Test
  void notReadyUntilSomethingRegistersAReadinessCheck() throws Exception {
    server = start();

    HttpResponse<String> starting = get(Deployment.READINESS_PATH);
    server.addReadinessCheck(new HealthCheck("kafka-streams", () -> true));
    HttpResponse<String> started = get(Deployment.READINESS_PATH);

    assertThat(starting.statusCode()).isEqualTo(503);
    assertThat(started.statusCode()).isEqualTo(200);
  }

  @Test
  void readinessFollowsItsChecksAndNamesEachOne() throws Exception {
    AtomicBoolean milvusUp = new AtomicBoolean(false);
    server = start(
        new HealthCheck("kafka-streams", () -> true), new HealthCheck("milvus", milvusUp::get));

    HttpResponse<String> down = get(Deployment.READINESS_PATH);
    milvusUp.set(true);
    HttpResponse<String> up = get(Deployment.READINESS_PATH);

    assertThat(down.statusCode()).isEqualTo(503);
    JsonNode downBody = JSON.readTree(down.body());
    assertThat(downBody.get("status").asText()).isEqualTo("DOWN");
    assertThat(downBody.at("/checks/milvus").asText()).isEqualTo("DOWN");
    assertThat(downBody.at("/checks/kafka-streams").asText()).isEqualTo("UP");
    assertThat(up.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(up.body()).at("/checks/milvus").asText()).isEqualTo("UP");
  }

  @Test
  void aCheckThatThrowsReportsNotReadyInsteadOfFailingTheProbe() throws Exception {
    server = start(new HealthCheck("broken", () -> {
      throw new IllegalStateException("dependency client not built");
    }));

    HttpResponse<String> response = get(Deployment.READINESS_PATH);

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(response.body()).at("/checks/broken").asText()).isEqualTo("DOWN");
  }

  @Test
  void unknownPathsAndWritesAreRefused() throws Exception {
    server = start();

    HttpResponse<String> unknown = get("/admin");
    HttpResponse<String> prefixed = get(Deployment.METRICS_PATH + "/extra");
    HttpResponse<String> post = http.send(
        HttpRequest.newBuilder(uri(Deployment.METRICS_PATH))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(prefixed.statusCode()).isEqualTo(404);
    assertThat(post.statusCode()).isEqualTo(405);
  }

  @Test
  void kafkaStreamsClientIsNotReadyUntilRunningAndExposesItsMetrics(@TempDir Path stateDir)
      throws Exception {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("doppel.ops-test.in").to("doppel.ops-test.out");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION);
    // Never started, so never contacted.
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class);
    try (KafkaStreams streams = new KafkaStreams(builder.build(), props);
        KafkaStreamsMetrics binder = metrics.bindKafkaStreams(streams)) {
      server = start();
      server.watch(streams);

      HttpResponse<String> ready = get(Deployment.READINESS_PATH);
      HttpResponse<String> scrape = get(Deployment.METRICS_PATH);

      assertThat(streams.state()).isEqualTo(KafkaStreams.State.CREATED);
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(JSON.readTree(ready.body())
              .at("/checks/" + HealthCheck.KAFKA_STREAMS)
              .asText())
          .isEqualTo("DOWN");
      assertThat(get(Deployment.LIVENESS_PATH).statusCode())
          .as("CREATED is alive")
          .isEqualTo(200);
      assertThat(scrape.body()).contains("kafka_stream_");
    }
  }

  @Test
  void onlyRunningAndRebalancingStreamsAreServing() {
    assertThat(KafkaStreams.State.values())
        .filteredOn(HealthCheck::isServing)
        .containsExactlyInAnyOrder(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);
  }

  @Test
  void onlyFailedOrStoppedStreamsAreDead() {
    assertThat(KafkaStreams.State.values())
        .filteredOn(state -> !HealthCheck.isAlive(state))
        .containsExactlyInAnyOrder(
            KafkaStreams.State.PENDING_ERROR,
            KafkaStreams.State.ERROR,
            KafkaStreams.State.NOT_RUNNING);
  }

  @Test
  void settingsRejectImpossiblePorts() {
    org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
        .isThrownBy(() -> new OpsServer.Settings(LOOPBACK, 70_000, Duration.ZERO))
        .withMessageContaining("70000");
    assertThat(OpsServer.Settings.defaults().port()).isEqualTo(Deployment.OPS_PORT);
  }

  private OpsServer start(HealthCheck... readinessChecks) {
    OpsServer started =
        OpsServer.start(new OpsServer.Settings(LOOPBACK, 0, Duration.ZERO), metrics.registry());
    for (HealthCheck check : readinessChecks) {
      started.addReadinessCheck(check);
    }
    return started;
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://" + LOOPBACK + ":" + server.port() + path);
  }
}
