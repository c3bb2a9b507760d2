package io.doppel.extractor.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.extractor.Fixtures;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.topology.testing.EmbeddedKafkaExtension;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The service on a real broker: health and metrics endpoints answer, and an upload becomes features. */
class ExtractorServiceIT {

  @RegisterExtension
  static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

  private static final Duration WAIT = Duration.ofMinutes(2);

  @TempDir
  Path dataDir;

  @Test
  void servesHealthAndMetricsAndExtractsAnUpload() throws Exception {
    KAFKA.cluster().createTopics(Topics.NAMES, 1, 1);
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    Topics topics = Topics.using(registry);
    ServiceSettings settings = ServiceSettings.fromEnvironment(Map.of(
            "DOPPEL_KAFKA_BOOTSTRAP_SERVERS",
            KAFKA.bootstrapServers(),
            "DOPPEL_SCHEMA_REGISTRY_URL",
            "http://unused.invalid",
            "DOPPEL_EXTRACTOR_DATA_DIR",
            dataDir.toString(),
            "DOPPEL_OPS_PORT",
            "0"))
        .service();
    try (ExtractorService service = ExtractorService.start(settings, Fixtures.config(), registry)) {
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + service.opsPort();
      assertThat(get(http, base + "/health/live").statusCode()).isEqualTo(200);
      service.runtime().awaitRunning(WAIT);
      assertThat(get(http, base + "/health/ready").statusCode()).isEqualTo(200);

      String imageId = "img-" + UUID.randomUUID();
      try (KafkaProducer<ImageKey, UploadEvent> producer = new KafkaProducer<>(
          producerProps(),
          topics.uploads().keySerde().serializer(),
          topics.uploads().valueSerde().serializer())) {
        producer
            .send(new ProducerRecord<>(
                Topics.UPLOADS,
                new ImageKey("t1", imageId),
                UploadEvent.newBuilder()
                    .setTenant("t1")
                    .setImageId(imageId)
                    .setPurpose(Purpose.UPLOAD)
                    .setInlineBytes(ByteBuffer.wrap(png()))
                    .setUploadedAt(Instant.now())
                    .build()))
            .get();
      }
      ImageFeatures features = readFeatures(topics, imageId);
      assertThat(features.getViews()).isNotEmpty();

      String metrics = get(http, base + "/metrics").body();
      assertThat(metrics)
          .contains(
              "doppel_images_total",
              "doppel_batch_size",
              "doppel_model_device",
              "jvm_memory_used_bytes",
              "kafka_stream");
      assertThat(metrics)
          .containsPattern("doppel_images_total\\{[^}]*outcome=\"extracted\"[^}]*} [1-9]");
    }
  }

  private ImageFeatures readFeatures(Topics topics, String imageId) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<ImageKey, ImageFeatures> consumer = new KafkaConsumer<>(
        props,
        topics.features().keySerde().deserializer(),
        topics.features().valueSerde().deserializer())) {
      consumer.subscribe(List.of(Topics.FEATURES));
      long deadline = System.nanoTime() + WAIT.toNanos();
      List<ImageFeatures> seen = new ArrayList<>();
      while (System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> seen.add(r.value()));
        for (ImageFeatures f : seen) {
          if (f.getImageId().equals(imageId)) {
            return f;
          }
        }
      }
      throw new AssertionError("no features for " + imageId + " within " + WAIT);
    }
  }

  private static Properties producerProps() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return props;
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] png() throws Exception {
    BufferedImage image = new BufferedImage(160, 120, BufferedImage.TYPE_3BYTE_BGR);
    var g = image.createGraphics();
    for (int i = 0; i < 40; i++) {
      g.setColor(new Color((i * 53) % 255, (i * 97) % 255, (i * 31) % 255));
      g.fillRect((i * 37) % 150, (i * 23) % 110, 10 + i % 20, 8 + i % 15);
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }
}
