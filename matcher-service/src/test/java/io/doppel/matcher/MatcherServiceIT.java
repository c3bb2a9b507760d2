package io.doppel.matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.doppel.matcher.testing.DevPairs;
import io.doppel.matcher.testing.TestFeatures;
import io.doppel.matcher.testing.TestMats;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.topology.ops.Deployment;
import io.doppel.topology.ops.DoppelMeter;
import io.doppel.topology.testing.EmbeddedKafkaExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.Mat;

/** The service end to end through a real (embedded, KRaft) broker: features in, routed MatchEvents out. */
class MatcherServiceIT {

  @RegisterExtension
  static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

  /** How long to wait for the stream to start and for events to arrive: a bound, not an assertion on speed. */
  private static final Duration WAIT = Duration.ofMinutes(3);

  private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  private static final String POLICY = """
      version: service-test-1
      referenceSets: [dev-set]
      defaults:
        duplicateThreshold: 0.5
        violationThreshold: 0.5
        referenceSets: "*"
        retroScanLookback: P30D
      tenants:
        acme:
          referenceSets: [dev-set]
        rights:
          registers: [dev-set]
      """;

  @TempDir
  Path dataDir;
  /** One registry for the class: records left on the topics by an earlier test carry its schema ids. */
  private static final InMemorySchemaRegistry REGISTRY = new InMemorySchemaRegistry();

  private static final Topics TOPICS = Topics.using(REGISTRY);
  private MatcherService service;
  private String applicationId;

  @BeforeAll
  static void createTopics() {
    KAFKA.cluster().createTopics(Topics.NAMES, 1, 1);
  }

  @BeforeEach
  void start() throws Exception {
    Path policy = dataDir.resolve("policy.yaml");
    Files.writeString(policy, POLICY);
    Map<String, String> env = new HashMap<>();
    env.put("DOPPEL_KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers());
    applicationId = "matcher-test-" + UUID.randomUUID();
    env.put("DOPPEL_MATCHER_APPLICATION_ID", applicationId);
    env.put("DOPPEL_MATCHER_DATA_DIR", dataDir.resolve("matcher").toString());
    env.put("DOPPEL_MODEL_ID", "test-thumbnail");
    env.put("DOPPEL_MODEL_VERSION", "1");
    env.put("DOPPEL_MODEL_DIMENSION", "256");
    env.put("DOPPEL_MATCHER_POLICY_FILE", policy.toString());
    env.put("DOPPEL_OPS_PORT", "0");
    service = MatcherService.start(MatcherConfig.from(env), REGISTRY);
    service.runtime().awaitRunning(WAIT);
  }

  @AfterEach
  void stop() {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void uploadsAreDecidedAndRoutedToTheirTopics() {
    Mat original = TestMats.texture(11, 640, 480);
    String tenant = "svc-" + UUID.randomUUID();
    List<ImageFeatures> features = List.of(
        TestFeatures.features(tenant, "original", Purpose.UPLOAD, original),
        TestFeatures.features(
            tenant, "crop", Purpose.UPLOAD, TestMats.crop(original, 0, 0, 500, 380)),
        TestFeatures.features(tenant, "mirror", Purpose.UPLOAD, TestMats.mirror(original)),
        TestFeatures.features(
            tenant,
            "strip",
            Purpose.UPLOAD,
            TestMats.tallStrip(TestMats.resize(original, 0.5), 1600, 500, 3)));

    produce(features);
    Map<String, MatchEvent> events = consume(tenant, features.size());

    assertThat(events.get("original").getDecision()).isEqualTo(Decision.CLEAN);
    assertThat(events.get("crop").getDecision()).isEqualTo(Decision.DUPLICATE);
    assertThat(events.get("crop").getMatches().getFirst().getImageId()).isEqualTo("original");
    assertThat(events.get("mirror").getMatches().getFirst().getHints().getMirrored())
        .isTrue();
    assertThat(events.get("strip").getDecision()).isEqualTo(Decision.DUPLICATE);
    assertThat(events.get("strip").getMatches().getFirst().getHints().getInTile())
        .isTrue();
  }

  @Test
  void servesHealthAndPrometheusMetricsOfWhatItDecides() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + service.opsPort();
    HttpResponse<String> live = get(http, base + Deployment.LIVENESS_PATH);
    assertThat(live.statusCode()).isEqualTo(200);
    HttpResponse<String> ready = get(http, base + Deployment.READINESS_PATH);
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    assertThat(ready.body())
        .contains(
            "\"kafka-streams\":\"UP\"", "\"" + MatcherService.INDEX_HEALTH_CHECK + "\":\"UP\"");

    Mat original = TestMats.texture(23, 640, 480);
    String tenant = "ops-" + UUID.randomUUID();
    produce(List.of(
        TestFeatures.features(tenant, "original", Purpose.UPLOAD, original),
        TestFeatures.features(
            tenant, "crop", Purpose.UPLOAD, TestMats.crop(original, 0, 0, 500, 380))));
    consume(tenant, 2);

    String metrics = get(http, base + Deployment.METRICS_PATH).body();
    assertThat(metrics).containsPattern(series(DoppelMeter.IMAGES, "outcome=\"clean\"") + " [1-9]");
    assertThat(metrics)
        .containsPattern(series(DoppelMeter.IMAGES, "outcome=\"duplicate\"") + " [1-9]");
    assertThat(metrics)
        .containsPattern("doppel_stage_seconds_count\\{[^}]*stage=\"match\"[^}]*} [1-9]");
    assertThat(metrics).containsPattern("doppel_stage_seconds_bucket\\{[^}]*stage=\"retrieve\"");
    assertThat(metrics)
        .containsPattern(
            "doppel_index_call_seconds_count\\{[^}]*operation=\"search_global\"[^}]*outcome=\"success\"[^}]*} [1-9]");
    assertThat(metrics)
        .containsPattern(series(DoppelMeter.INDEX_ERRORS, "operation=\"upsert\"") + " 0");
    assertThat(metrics).contains(Deployment.APPLICATION_TAG + "=\"" + applicationId + "\"");
    assertThat(metrics).contains("jvm_memory_used_bytes", "kafka_stream");
  }

  @Test
  void devCopiesOfARegisteredWorkAreViolationsWithRegionAndHints() {
    Path dev = TestMats.devSet();
    assumeTrue(
        dev != null, "skipped: no DEV set at ../shared/eval/dev relative to the repository root");
    List<DevPairs.Pair> all = DevPairs.read(dev);
    DevPairs.Pair mirrored =
        all.stream().filter(p -> p.family().equals("hflip")).findFirst().orElseThrow();
    DevPairs.Pair cropped = all.stream()
        .filter(p -> p.family().startsWith("crop") && Math.abs(removedShare(p) - 0.4) <= 0.06)
        .findFirst()
        .orElseThrow();
    DevPairs.Pair strip =
        all.stream().filter(p -> p.family().equals("tall_strip")).findFirst().orElseThrow();
    List<ImageFeatures> features = new ArrayList<>();
    for (DevPairs.Pair pair : List.of(mirrored, cropped, strip)) {
      features.add(TestFeatures.features(
          "rights",
          "ref-" + pair.queryId(),
          Purpose.REFERENCE,
          TestMats.read(pair.reference()),
          "Dev Rights",
          "dev-set",
          T0.toEpochMilli()));
    }
    for (DevPairs.Pair pair : List.of(mirrored, cropped, strip)) {
      features.add(TestFeatures.features(
          "acme",
          pair.queryId(),
          Purpose.UPLOAD,
          TestMats.read(pair.query()),
          null,
          null,
          T0.plusSeconds(60).toEpochMilli()));
    }

    produce(features);
    Map<String, MatchEvent> events = consume("acme", 3);

    for (DevPairs.Pair pair : List.of(mirrored, cropped, strip)) {
      MatchEvent event = events.get(pair.queryId());
      assertThat(event.getDecision()).as(pair.family()).isEqualTo(Decision.COPYRIGHT_VIOLATION);
      Match best = event.getMatches().getFirst();
      assertThat(best.getImageId()).isEqualTo("ref-" + pair.queryId());
      assertThat(best.getQueryRegion()).hasSize(4);
      assertThat(best.getReferenceRegion()).hasSize(4);
    }
    assertThat(events.get(mirrored.queryId()).getMatches().getFirst().getHints().getMirrored())
        .isTrue();
    assertThat(events.get(cropped.queryId()).getMatches().getFirst().getHints().getCroppedShare())
        .isCloseTo((float) removedShare(cropped), within(0.12f));
    assertThat(events.get(strip.queryId()).getMatches().getFirst().getHints().getInTile())
        .isTrue();
  }

  /** A Prometheus series of {@code meter} whose labels include {@code label}, as a regex. */
  private static String series(DoppelMeter meter, String label) {
    return meter.prometheusName() + "\\{[^}]*" + label + "[^}]*}";
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static double removedShare(DevPairs.Pair pair) {
    String value = pair.params().replaceAll(".*area_removed=([0-9.]+).*", "$1");
    return value.equals(pair.params()) ? -1 : Double.parseDouble(value);
  }

  private void produce(List<ImageFeatures> features) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (var producer = new KafkaProducer<>(
        props,
        TOPICS.features().keySerde().serializer(),
        TOPICS.features().valueSerde().serializer())) {
      for (ImageFeatures f : features) {
        producer.send(new ProducerRecord<>(
            TOPICS.features().name(), new ImageKey(f.getTenant(), f.getImageId()), f));
      }
      producer.flush();
    }
  }

  /** The first event of each image of {@code tenant} on the decision topics, until {@code count} images have one. */
  private Map<String, MatchEvent> consume(String tenant, int count) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, MatchEvent> events = new HashMap<>();
    try (var consumer = new KafkaConsumer<>(
        props,
        TOPICS.duplicates().keySerde().deserializer(),
        TOPICS.duplicates().valueSerde().deserializer())) {
      consumer.subscribe(List.of(
          TOPICS.duplicates().name(),
          TOPICS.violations().name(),
          TOPICS.outcomes().name()));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (events.size() < count && System.nanoTime() < deadline) {
        for (var record : consumer.poll(Duration.ofMillis(500))) {
          if (record.value().getTenant().equals(tenant)) {
            events.putIfAbsent(record.value().getImageId(), record.value());
          }
        }
      }
    }
    assertThat(events).as("events of " + tenant).hasSize(count);
    return events;
  }
}
