package io.doppel.extractor.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.extractor.Fixtures;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.testing.ImageFiles;
import io.doppel.topology.extract.ExtractionTopology;
import io.doppel.topology.testing.EmbeddedKafkaExtension;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inline uploads over Kafka's 1 MiB defaults, through the extractor service on a real broker. With the topics as
 * Doppel defines them (uploads and dead letters 2 MiB, features 8 MiB), and uploads here allowed 4 MiB as a topic
 * configured larger would be: a 1.5 MB and a 3 MB inline JPEG become features (the batch buffer's changelog and the
 * producer take them), and a record over what the buffer takes becomes a dead letter TOO_LARGE without its bytes. Each
 * upload ends as exactly one of the two; none makes the stream thread fail and retry forever.
 */
class LargeInlineUploadsIT {

  @RegisterExtension
  static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final int MIB = 1024 * 1024;

  @TempDir
  Path dataDir;

  @Test
  void largeInlineUploadsEndAsFeaturesOrADeadLetter() throws Exception {
    createTopics();
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
    Map<String, byte[]> images = new HashMap<>();
    images.put("one-and-a-half-mb", jpegOfAtLeast(1_500_000));
    images.put("three-mb", jpegOfAtLeast(3_000_000));
    byte[] tooLarge = new byte[ExtractionTopology.MAX_BUFFERED_RECORD_BYTES + 1];
    new Random(7).nextBytes(tooLarge);
    images.put("over-the-buffer", tooLarge);
    assertThat(images.get("three-mb").length)
        .isLessThan(ExtractionTopology.MAX_BUFFERED_RECORD_BYTES - 4096);

    try (ExtractorService service = ExtractorService.start(settings, Fixtures.config(), registry)) {
      service.runtime().awaitRunning(WAIT);
      String run = UUID.randomUUID().toString();
      try (KafkaProducer<ImageKey, UploadEvent> producer = new KafkaProducer<>(
          producerProps(),
          topics.uploads().keySerde().serializer(),
          topics.uploads().valueSerde().serializer())) {
        for (var image : images.entrySet()) {
          String imageId = image.getKey() + "-" + run;
          producer
              .send(new ProducerRecord<>(
                  Topics.UPLOADS,
                  new ImageKey("t1", imageId),
                  UploadEvent.newBuilder()
                      .setTenant("t1")
                      .setImageId(imageId)
                      .setPurpose(Purpose.UPLOAD)
                      .setInlineBytes(ByteBuffer.wrap(image.getValue()))
                      .setUploadedAt(Instant.now())
                      .build()))
              .get();
        }
      }

      Map<String, String> outcomes = outcomes(topics, run, images.size());

      assertThat(outcomes)
          .containsExactlyInAnyOrderEntriesOf(Map.of(
              "one-and-a-half-mb", "features",
              "three-mb", "features",
              "over-the-buffer", "dead letter TOO_LARGE without original"));
      assertThat(service.runtime().threadReplacements())
          .as("stream threads replaced")
          .isZero();
    }
  }

  private static void createTopics() throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    try (Admin admin = Admin.create(props)) {
      List<NewTopic> created = Topics.NAMES.stream()
          .map(name -> {
            NewTopic topic = new NewTopic(name, 1, (short) 1);
            return switch (name) {
              case Topics.UPLOADS ->
                topic.configs(
                    Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(4 * MIB)));
              case Topics.FEATURES ->
                topic.configs(
                    Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(8 * MIB)));
              case Topics.DEAD_LETTERS ->
                topic.configs(
                    Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(2 * MIB)));
              default -> topic;
            };
          })
          .toList();
      admin.createTopics(created).all().get();
    }
  }

  /** What each upload of this run ended as, by its name, once {@code count} have ended. */
  private Map<String, String> outcomes(Topics topics, String run, int count) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * MIB);
    Map<String, String> outcomes = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(Topics.FEATURES, Topics.DEAD_LETTERS));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline && outcomes.size() < count) {
        consumer.poll(Duration.ofMillis(200)).forEach(record -> {
          if (record.topic().equals(Topics.FEATURES)) {
            ImageFeatures features = topics
                .features()
                .valueSerde()
                .deserializer()
                .deserialize(record.topic(), record.value());
            put(outcomes, features.getImageId().toString(), run, "features");
          } else {
            DeadLetter letter = topics
                .deadLetters()
                .valueSerde()
                .deserializer()
                .deserialize(record.topic(), record.value());
            put(
                outcomes,
                String.valueOf(letter.getImageId()),
                run,
                "dead letter " + letter.getReason()
                    + (letter.getOriginalValue() == null ? " without original" : ""));
          }
        });
      }
    }
    return outcomes;
  }

  private static void put(
      Map<String, String> outcomes, String imageId, String run, String outcome) {
    if (imageId.endsWith("-" + run)) {
      String previous =
          outcomes.put(imageId.substring(0, imageId.length() - run.length() - 1), outcome);
      assertThat(previous).as("a second outcome for " + imageId).isNull();
    }
  }

  private static Properties producerProps() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 5 * MIB);
    return props;
  }

  /** A JPEG of noise of at least {@code bytes}: noise does not compress. */
  private static byte[] jpegOfAtLeast(int bytes) {
    Random random = new Random(bytes);
    for (int side = 600; ; side += 50) {
      BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < side; y++) {
        for (int x = 0; x < side; x++) {
          image.setRGB(x, y, random.nextInt());
        }
      }
      byte[] jpeg = ImageFiles.encode(image, "jpeg");
      if (jpeg.length >= bytes) {
        return jpeg;
      }
    }
  }
}
