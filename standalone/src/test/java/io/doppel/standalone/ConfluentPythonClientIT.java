package io.doppel.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.schemas.Topic;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.testing.SyntheticImages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/examples/python/upload_and_read.py, the integration guide's Python example, run as a platform would run it:
 * Confluent's own Python client ({@code confluent-kafka}, its {@code SchemaRegistryClient}, {@code AvroSerializer} and
 * {@code AvroDeserializer}) against the real pipeline (embedded broker, both services) and a real schema registry
 * over HTTP (Apicurio's Confluent-compatible API) that the pipeline's serdes share. The script registers a work,
 * uploads a cropped copy of it and exits 0 only when the copy is reported as a COPYRIGHT_VIOLATION of the work; so
 * Confluent's serializer writes what Doppel reads, and Doppel writes what Confluent's deserializer reads, with the
 * subjects and ids of one registry.
 *
 * <p>The script runs in a project-local virtual environment, {@code .cache/python-example/venv}, installed from the
 * example's requirements.txt (PyPI) when missing or when that file changed.
 */
class ConfluentPythonClientIT {

  private static final String TENANT = "acme";
  private static final String RIGHTS_HOLDER = "example-studio";
  private static final String REFERENCE_SET = "example-studio-catalogue";
  private static final long SCRIPT_TIMEOUT_MINUTES = 8;
  private static final long PIP_TIMEOUT_MINUTES = 10;

  @TempDir
  static Path work;

  private static RegisteredTenantStack running;
  private static String registryUrl;
  private static HttpSchemaRegistry registry;
  private static EmbeddedStack stack;

  @AfterAll
  static void stop() {
    if (running != null) {
      running.close();
    }
  }

  @BeforeAll
  static void start() throws IOException {
    running = RegisteredTenantStack.start(work, "python-example-1", TENANT, REFERENCE_SET);
    registryUrl = running.registryUrl();
    registry = running.registry();
    stack = running.stack();
    Files.createDirectories(work.resolve("images"));
  }

  @Test
  void confluentsPythonClientRegistersAWorkUploadsACopyAndReadsItsViolation() throws Exception {
    Path root = repositoryRoot();
    Path example = root.resolve("docs/examples/python");
    Path python = ensureVenv(root, example.resolve("requirements.txt"));

    // inline bytes: a noisy texture compresses badly, so keep it well under Kafka's 1 MB default
    // message size
    BufferedImage painting =
        SyntheticImages.grain(SyntheticImages.texture(2026, 480, 360), 20, 2026);
    Path reference = SyntheticImages.writePng(painting, work.resolve("images/work.png"));
    Path upload = SyntheticImages.writePng(
        SyntheticImages.crop(SyntheticImages.mirror(painting), 0.25),
        work.resolve("images/copy.png"));

    List<String> command = new ArrayList<>(List.of(
        python.toString(),
        "-u",
        example.resolve("upload_and_read.py").toString(),
        "--bootstrap",
        stack.bootstrapServers(),
        "--registry",
        registryUrl,
        "--reference",
        reference.toString(),
        "--upload",
        upload.toString(),
        "--tenant",
        TENANT,
        "--rights-holder",
        RIGHTS_HOLDER,
        "--reference-set",
        REFERENCE_SET,
        "--schemas",
        root.resolve("schemas/src/main/avro").toString(),
        "--timeout",
        "240"));
    long started = System.nanoTime();
    Run run = runProcess(command, work, SCRIPT_TIMEOUT_MINUTES);
    System.out.printf(
        "upload_and_read.py, %.1f s, exit %d:%n%s%n",
        (System.nanoTime() - started) / 1e9, run.exitCode(), run.output());
    assertThat(run.exitCode())
        .as("upload_and_read.py's exit code; its output:\n" + run.output())
        .isZero();
    assertThat(run.output()).contains("OK: copy-").contains("rights holder " + RIGHTS_HOLDER);
    // One schema, one id: Confluent's client registers the .avsc, Doppel's serde the same schema
    // without the generated
    // classes' avro.java.* properties, so both write the same key bytes for one image (they decide
    // the partition and,
    // on the compacted uploads topic, the compaction key).
    String pythonKey = latest("doppel.uploads-key");
    String javaKey = latest("doppel.outcomes-key");
    System.out.println("ImageKey as registered by Confluent's Python client: " + pythonKey
        + "\nImageKey as registered by Doppel's serde: " + javaKey);
    assertThat(idOf(pythonKey))
        .as("the ImageKey ids of Confluent's client and of Doppel's serde")
        .isEqualTo(idOf(javaKey));
  }

  /** docs/integration.md's Java example: the project's serdes in a platform's own producer and consumer. */
  @Test
  void aPlatformsJavaClientWithTheProjectsSerdesGetsTheSameVerdict() throws Exception {
    BufferedImage painting =
        SyntheticImages.grain(SyntheticImages.texture(2027, 480, 360), 20, 2027);
    byte[] workPng = Files.readAllBytes(
        SyntheticImages.writePng(painting, work.resolve("images/java-work.png")));
    byte[] copyPng = Files.readAllBytes(SyntheticImages.writePng(
        SyntheticImages.crop(painting, 0.3), work.resolve("images/java-copy.png")));
    String bootstrap = stack.bootstrapServers();
    // a registry client of the platform's own, as in another process
    try (HttpSchemaRegistry platformRegistry =
        new HttpSchemaRegistry(HttpSchemaRegistry.Settings.of(registryUrl))) {
      // --- the guide's example, from here ---
      Topics topics = Topics.using(platformRegistry);
      Topic<ImageKey, UploadEvent> uploads = topics.uploads();
      Properties producerProps = new Properties();
      producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
      producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
      Properties consumerProps = new Properties();
      consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "platform-verdicts");
      consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      consumerProps.put(
          ConsumerConfig.ISOLATION_LEVEL_CONFIG,
          "read_committed"); // Java's default is read_uncommitted
      Topic<ImageKey, MatchEvent> verdicts =
          topics.violations(); // duplicates and outcomes: the same serdes
      try (var producer = new KafkaProducer<>(
              producerProps,
              uploads.keySerde().serializer(),
              uploads.valueSerde().serializer());
          var consumer = new KafkaConsumer<>(
              consumerProps,
              verdicts.keySerde().deserializer(),
              verdicts.valueSerde().deserializer())) {
        consumer.subscribe(List.of(Topics.DUPLICATES, Topics.VIOLATIONS, Topics.OUTCOMES));

        UploadEvent reference = UploadEvent.newBuilder()
            .setTenant(TENANT)
            .setImageId("java-work")
            .setPurpose(Purpose.REFERENCE)
            .setRightsHolder(RIGHTS_HOLDER)
            .setReferenceSet(REFERENCE_SET)
            .setInlineBytes(ByteBuffer.wrap(workPng))
            .setContentType("image/png")
            .setUploadedAt(Instant.now())
            .build();
        producer
            .send(
                new ProducerRecord<>(uploads.name(), new ImageKey(TENANT, "java-work"), reference))
            .get();
        assertThat(awaitVerdict(consumer, "java-work").getDecision())
            .isEqualTo(Decision.REGISTERED);

        UploadEvent upload = UploadEvent.newBuilder()
            .setTenant(TENANT)
            .setImageId("java-copy")
            .setPurpose(Purpose.UPLOAD)
            .setUploader("user-42")
            .setInlineBytes(ByteBuffer.wrap(copyPng))
            .setContentType("image/png")
            .setUploadedAt(Instant.now())
            .build();
        producer
            .send(new ProducerRecord<>(uploads.name(), new ImageKey(TENANT, "java-copy"), upload))
            .get();
        MatchEvent verdict = awaitVerdict(consumer, "java-copy");
        // --- to here ---
        assertThat(verdict.getDecision()).isEqualTo(Decision.COPYRIGHT_VIOLATION);
        assertThat(verdict.getMatches().get(0).getImageId()).isEqualTo("java-work");
        assertThat(verdict.getMatches().get(0).getRightsHolder()).isEqualTo(RIGHTS_HOLDER);
        System.out.println("Java client: " + verdict.getDecision() + " of "
            + verdict.getMatches().get(0).getImageId() + ", score "
            + verdict.getMatches().get(0).getScore());
      }
    }
  }

  /** The first event about {@code imageId} of {@link #TENANT} that the consumer reads. */
  private static MatchEvent awaitVerdict(
      KafkaConsumer<ImageKey, MatchEvent> consumer, String imageId) {
    long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<ImageKey, MatchEvent> record : consumer.poll(Duration.ofMillis(200))) {
        if (record.key().getTenant().equals(TENANT) && record.key().getImageId().equals(imageId)) {
          return record.value();
        }
      }
    }
    throw new AssertionError("no verdict about " + imageId);
  }

  /** The registry's answer for a subject's latest version (its id and schema), as text. */
  private static String latest(String subject) throws IOException, InterruptedException {
    try (HttpClient client = HttpClient.newHttpClient()) {
      return client
          .send(
              HttpRequest.newBuilder(
                      URI.create(registryUrl + "/subjects/" + subject + "/versions/latest"))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }

  private static int idOf(String registryAnswer) {
    Matcher id = Pattern.compile("\"id\"\\s*:\\s*(\\d+)").matcher(registryAnswer);
    assertThat(id.find()).as("an id in " + registryAnswer).isTrue();
    return Integer.parseInt(id.group(1));
  }

  /** The checkout's root: the folder above this module that holds docs/examples. */
  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("docs/examples/python/upload_and_read.py"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "no docs/examples/python above " + Path.of("").toAbsolutePath());
  }

  /**
   * {@code <root>/.cache/python-example/venv}'s python, holding exactly requirements.txt: (re)installed when missing
   * or when the requirements' hash differs from the one recorded at the last install.
   */
  private static Path ensureVenv(Path root, Path requirements)
      throws IOException, InterruptedException {
    Path venv = root.resolve(".cache/python-example/venv");
    Path python = venv.resolve("bin/python");
    Path stamp = venv.resolve(".requirements.sha256");
    String want = sha256(requirements);
    if (Files.isExecutable(python)
        && Files.isRegularFile(stamp)
        && Files.readString(stamp).strip().equals(want)) {
      return python;
    }
    Files.createDirectories(venv.getParent());
    Run created = runProcess(
        List.of("python3", "-m", "venv", "--clear", venv.toString()), root, PIP_TIMEOUT_MINUTES);
    assertThat(created.exitCode())
        .as("python3 -m venv (the test needs Python 3 with venv): " + created.output())
        .isZero();
    Run installed = runProcess(
        List.of(
            venv.resolve("bin/pip").toString(),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            requirements.toString()),
        root,
        PIP_TIMEOUT_MINUTES);
    assertThat(installed.exitCode())
        .as("pip install -r " + requirements + " (needs PyPI): " + installed.output())
        .isZero();
    Files.writeString(stamp, want + "\n");
    return python;
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private record Run(int exitCode, String output) {}

  private static Run runProcess(List<String> command, Path directory, long timeoutMinutes)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command)
        .directory(directory.toFile())
        .redirectErrorStream(true)
        .start();
    StringBuilder output = new StringBuilder();
    Thread reader = Thread.ofVirtual().start(() -> {
      try (InputStream in = process.getInputStream()) {
        output.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        output.append("(cannot read the output: ").append(e).append(")");
      }
    });
    if (!process.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
      process.destroyForcibly().waitFor();
      reader.join();
      return new Run(
          -1,
          output + "\n(killed after " + timeoutMinutes + " min: " + String.join(" ", command)
              + ")");
    }
    reader.join();
    return new Run(process.exitValue(), output.toString());
  }
}
