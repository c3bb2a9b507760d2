package io.doppel.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.doppel.schemas.Topic;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.standalone.cli.Args;
import io.doppel.standalone.tail.TailCommand;
import io.doppel.standalone.upload.UploadCommand;
import io.doppel.testing.SyntheticImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./doppel upload} and {@code ./doppel tail} as a platform's smoke test of its stack: the real pipeline
 * (embedded KRaft broker, both services) on a real registry over HTTP (Apicurio), nothing mocked. A work is registered
 * with {@code upload --purpose reference}, {@code tail} sees it REGISTERED; a folder (a copy of the work, an unrelated
 * image, a text file) and a URL the extractor must refuse are uploaded; {@code tail} prints the copy's violation, the
 * other image's decision and the URL's dead letter, each as one JSON line, and filters by tenant. The uploads topic,
 * read back with the project's deserializer, holds what the files held.
 */
class UploadAndTailIT {

  private static final String TENANT = "acme";
  private static final String RIGHTS_HOLDER = "example-studio";
  private static final String REFERENCE_SET = "example-studio-catalogue";
  private static final String VERDICT_WAIT_SECONDS = "240";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path work;

  private static RegisteredTenantStack running;
  private static String registryUrl;
  private static HttpSchemaRegistry registry;
  private static EmbeddedStack stack;

  @BeforeAll
  static void start() throws IOException {
    running = RegisteredTenantStack.start(work, "upload-and-tail-1", TENANT, REFERENCE_SET);
    registryUrl = running.registryUrl();
    registry = running.registry();
    stack = running.stack();
  }

  @AfterAll
  static void stop() {
    if (running != null) {
      running.close();
    }
  }

  @Test
  void uploadThenTailShowsEachUploadsDecisionAsAJsonLine() throws Exception {
    BufferedImage painting =
        SyntheticImages.grain(SyntheticImages.texture(3031, 480, 360), 20, 3031);
    Path workPng = SyntheticImages.writePng(
        painting, Files.createDirectories(work.resolve("works")).resolve("work.png"));
    Path folder = Files.createDirectories(work.resolve("uploads/nested")).getParent();
    Path copyPng = SyntheticImages.writePng(
        SyntheticImages.crop(SyntheticImages.mirror(painting), 0.25), folder.resolve("copy.png"));
    SyntheticImages.writePng(
        SyntheticImages.grain(SyntheticImages.texture(4049, 400, 300), 20, 4049),
        folder.resolve("nested/other.png"));
    Files.writeString(folder.resolve("notes.txt"), "not an image: not sent");

    Result registered = upload(
        "--tenant",
        TENANT,
        "--purpose",
        "reference",
        "--rights-holder",
        RIGHTS_HOLDER,
        "--reference-set",
        REFERENCE_SET,
        workPng.toString());
    assertThat(registered.exitCode()).as(registered.output()).isZero();
    assertThat(registered.output()).contains("1 of 1 sent to doppel.uploads").contains("ids work");

    Result registration = tail(
        "--tenant",
        TENANT,
        "--kind",
        "registered",
        "--from-beginning",
        "--max",
        "1",
        "--wait",
        VERDICT_WAIT_SECONDS);
    assertThat(registration.exitCode()).as(registration.output()).isZero();
    JsonNode registeredLine = JSON.readTree(registration.output());
    assertThat(registeredLine.get("imageId").asText()).isEqualTo("work");
    assertThat(registeredLine.get("purpose").asText()).isEqualTo("reference");

    // the extractor's SSRF guard refuses loopback sources: the URL's one outcome is a dead letter
    Result uploaded = upload(
        "--tenant",
        TENANT,
        "--uploader",
        "smoke-test",
        folder.toString(),
        "http://127.0.0.1:9/blocked.png");
    assertThat(uploaded.exitCode()).as(uploaded.output()).isZero();
    assertThat(uploaded.output()).contains("3 of 3 sent").contains("blocked, copy, nested/other");

    Result verdicts = tail(
        "--tenant",
        TENANT,
        "--kind",
        "duplicate,copyright-violation,clean,dead-letter",
        "--from-beginning",
        "--max",
        "3",
        "--wait",
        VERDICT_WAIT_SECONDS);
    assertThat(verdicts.exitCode()).as(verdicts.output()).isZero();
    Map<String, JsonNode> byImage = new HashMap<>();
    for (String line : verdicts.output().strip().split("\n")) {
      JsonNode json = JSON.readTree(line);
      byImage.put(json.get("imageId").asText(), json);
    }
    assertThat(byImage).containsOnlyKeys("copy", "nested/other", "blocked");
    JsonNode copy = byImage.get("copy");
    assertThat(copy.get("kind").asText()).isEqualTo("copyright-violation");
    assertThat(copy.get("uploader").asText()).isEqualTo("smoke-test");
    assertThat(copy.get("matched").get("imageId").asText()).isEqualTo("work");
    assertThat(copy.get("matched").get("rightsHolder").asText()).isEqualTo(RIGHTS_HOLDER);
    assertThat(copy.get("score").floatValue()).isGreaterThanOrEqualTo(0.5f);
    assertThat(copy.get("matches").get(0).get("queryRegion")).hasSize(4);
    assertThat(copy.get("calibrationVersion").asText()).isNotBlank();
    assertThat(copy.get("topic").asText()).isEqualTo(Topics.VIOLATIONS);
    assertThat(byImage.get("nested/other").get("kind").asText()).isIn("clean", "duplicate");
    JsonNode blocked = byImage.get("blocked");
    assertThat(blocked.get("kind").asText()).isEqualTo("dead-letter");
    assertThat(blocked.get("reason").asText()).isEqualTo("BLOCKED_ADDRESS");

    Result otherTenant =
        tail("--tenant", "someone-else", "--from-beginning", "--max", "1", "--wait", "5");
    assertThat(otherTenant.exitCode())
        .as("fewer lines than --max within --wait")
        .isEqualTo(1);
    assertThat(otherTenant.output()).isEmpty();

    Map<String, UploadEvent> sent = uploadsTopic();
    assertThat(sent).containsKeys("work", "copy", "nested/other", "blocked");
    assertThat(bytes(sent.get("copy").getInlineBytes())).isEqualTo(Files.readAllBytes(copyPng));
    assertThat(sent.get("copy").getContentType()).isEqualTo("image/png");
    assertThat(sent.get("work").getPurpose()).isEqualTo(Purpose.REFERENCE);
    assertThat(sent.get("work").getReferenceSet()).isEqualTo(REFERENCE_SET);
    assertThat(sent.get("blocked").getSource()).isEqualTo("http://127.0.0.1:9/blocked.png");
    assertThat(sent.get("blocked").getInlineBytes()).isNull();
  }

  private record Result(int exitCode, String output) {}

  private static Result upload(String... options) {
    List<String> argv = new ArrayList<>(List.of(options));
    argv.addAll(List.of("--bootstrap", stack.bootstrapServers(), "--registry", registryUrl));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = UploadCommand.run(
        Args.parseWithOperands(argv, Set.of()),
        Map.of(),
        new PrintStream(out, true, StandardCharsets.UTF_8));
    return new Result(exit, out.toString(StandardCharsets.UTF_8));
  }

  private static Result tail(String... options) {
    List<String> argv = new ArrayList<>(List.of(options));
    argv.addAll(List.of("--bootstrap", stack.bootstrapServers(), "--registry", registryUrl));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = TailCommand.run(
        Args.parse(argv, Set.of("from-beginning")),
        Map.of(),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        false);
    return new Result(exit, out.toString(StandardCharsets.UTF_8));
  }

  /** Every UploadEvent of {@link #TENANT} on the uploads topic, by image id, read with the project's serdes. */
  private static Map<String, UploadEvent> uploadsTopic() {
    Topic<ImageKey, UploadEvent> uploads = Topics.using(registry).uploads();
    Properties properties = new Properties();
    properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    properties.put(ConsumerConfig.GROUP_ID_CONFIG, "upload-and-tail-it");
    properties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Map<String, UploadEvent> events = new HashMap<>();
    try (KafkaConsumer<ImageKey, UploadEvent> consumer = new KafkaConsumer<>(
        properties, uploads.keySerde().deserializer(), uploads.valueSerde().deserializer())) {
      consumer.subscribe(List.of(uploads.name()));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (events.size() < 4 && System.nanoTime() < deadline) {
        for (ConsumerRecord<ImageKey, UploadEvent> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.key().getTenant().equals(TENANT)) {
            events.put(record.key().getImageId(), record.value());
          }
        }
      }
    }
    return events;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }
}
