package io.doppel.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.schemas.testing.ApicurioRegistryServer;
import io.doppel.testing.SyntheticImages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
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

  @TempDir static Path work;

  private static ApicurioRegistryServer registryServer;
  private static HttpSchemaRegistry registry;
  private static EmbeddedStack stack;

  @AfterAll
  static void stop() {
    if (stack != null) {
      stack.close();
    }
    if (registry != null) {
      registry.close();
    }
    if (registryServer != null) {
      registryServer.close();
    }
  }

  @Test
  void confluentsPythonClientRegistersAWorkUploadsACopyAndReadsItsViolation() throws Exception {
    Path root = repositoryRoot();
    Path example = root.resolve("docs/examples/python");
    Path python = ensureVenv(root, example.resolve("requirements.txt"));

    registryServer = ApicurioRegistryServer.start();
    String registryUrl = registryServer.ccompatUrl().toString();
    registry = new HttpSchemaRegistry(HttpSchemaRegistry.Settings.of(registryUrl));
    Path policy = Files.writeString(work.resolve("policy.yaml"), String.join("\n",
        "version: python-example-1",
        "referenceSets: [" + REFERENCE_SET + "]",
        "defaults:",
        "  duplicateThreshold: 0.5",
        "  violationThreshold: 0.5",
        "  referenceSets: \"*\"",
        "  allow: {imageIds: [], rightsHolders: [], uploaders: []}",
        "  retroScanLookback: P30D",
        "tenants:",
        "  " + TENANT + ": {referenceSets: [" + REFERENCE_SET + "]}",
        ""));
    stack = EmbeddedStack.start(new StackOptions(work.resolve("stack"), List.of(), StackOptions.LUCENE, null, false,
        2, policy, null, Map.of()), registry);

    // inline bytes: a noisy texture compresses badly, so keep it well under Kafka's 1 MB default message size
    Files.createDirectories(work.resolve("images"));
    BufferedImage painting = SyntheticImages.grain(SyntheticImages.texture(2026, 480, 360), 20, 2026);
    Path reference = SyntheticImages.writePng(painting, work.resolve("images/work.png"));
    Path upload = SyntheticImages.writePng(SyntheticImages.crop(SyntheticImages.mirror(painting), 0.25),
        work.resolve("images/copy.png"));

    List<String> command = new ArrayList<>(List.of(python.toString(), "-u",
        example.resolve("upload_and_read.py").toString(),
        "--bootstrap", stack.bootstrapServers(),
        "--registry", registryUrl,
        "--reference", reference.toString(),
        "--upload", upload.toString(),
        "--tenant", TENANT,
        "--rights-holder", RIGHTS_HOLDER,
        "--reference-set", REFERENCE_SET,
        "--schemas", root.resolve("schemas/src/main/avro").toString(),
        "--timeout", "240"));
    long started = System.nanoTime();
    Run run = runProcess(command, work, SCRIPT_TIMEOUT_MINUTES);
    System.out.printf("upload_and_read.py, %.1f s, exit %d:%n%s%n", (System.nanoTime() - started) / 1e9,
        run.exitCode(), run.output());
    assertThat(run.exitCode()).as("upload_and_read.py's exit code; its output:\n" + run.output()).isZero();
    assertThat(run.output()).contains("OK: copy-").contains("rights holder " + RIGHTS_HOLDER);
  }

  /** The checkout's root: the folder above this module that holds docs/examples. */
  private static Path repositoryRoot() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("docs/examples/python/upload_and_read.py"))) {
        return dir;
      }
    }
    throw new IllegalStateException("no docs/examples/python above " + Path.of("").toAbsolutePath());
  }

  /**
   * {@code <root>/.cache/python-example/venv}'s python, holding exactly requirements.txt: (re)installed when missing
   * or when the requirements' hash differs from the one recorded at the last install.
   */
  private static Path ensureVenv(Path root, Path requirements) throws IOException, InterruptedException {
    Path venv = root.resolve(".cache/python-example/venv");
    Path python = venv.resolve("bin/python");
    Path stamp = venv.resolve(".requirements.sha256");
    String want = sha256(requirements);
    if (Files.isExecutable(python) && Files.isRegularFile(stamp) && Files.readString(stamp).strip().equals(want)) {
      return python;
    }
    Files.createDirectories(venv.getParent());
    Run created = runProcess(List.of("python3", "-m", "venv", "--clear", venv.toString()), root, PIP_TIMEOUT_MINUTES);
    assertThat(created.exitCode()).as("python3 -m venv (the test needs Python 3 with venv): " + created.output())
        .isZero();
    Run installed = runProcess(List.of(venv.resolve("bin/pip").toString(), "install", "--quiet",
        "--disable-pip-version-check", "-r", requirements.toString()), root, PIP_TIMEOUT_MINUTES);
    assertThat(installed.exitCode()).as("pip install -r " + requirements + " (needs PyPI): " + installed.output())
        .isZero();
    Files.writeString(stamp, want + "\n");
    return python;
  }

  private static String sha256(Path file) throws IOException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private record Run(int exitCode, String output) {}

  private static Run runProcess(List<String> command, Path directory, long timeoutMinutes)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
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
      return new Run(-1, output + "\n(killed after " + timeoutMinutes + " min: " + String.join(" ", command) + ")");
    }
    reader.join();
    return new Run(process.exitValue(), output.toString());
  }
}
