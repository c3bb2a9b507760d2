package io.doppel.standalone.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.standalone.cli.Args;
import io.doppel.standalone.cli.CommandFailedException;
import io.doppel.standalone.cli.UsageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line and the inputs are checked before any connection; an unreachable broker fails in time. */
class UploadCommandTest {

  @TempDir
  Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private int run(Map<String, String> environment, String... argv) {
    return UploadCommand.run(
        Args.parseWithOperands(List.of(argv), Set.of()),
        environment,
        new PrintStream(out, true, StandardCharsets.UTF_8));
  }

  @Test
  void everyProblemOfTheCommandLineIsReportedAndNothingIsSent() {
    assertThatThrownBy(() -> run(
            Map.of(),
            "--purpose",
            "reference",
            "--timeout",
            "0",
            dir.resolve("missing.png").toString(),
            "s3://bucket/a.jpg"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("nothing sent")
        .hasMessageContaining("--purpose reference needs --rights-holder")
        .hasMessageContaining("--timeout must be at least 1")
        .hasMessageContaining("--bootstrap (or DOPPEL_KAFKA_BOOTSTRAP_SERVERS) is required");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }

  @Test
  void theStackMustBeNamedOnTheCommandLineOrInTheEnvironment() throws IOException {
    Path image = Files.write(dir.resolve("a.png"), new byte[] {1});
    assertThatThrownBy(() -> run(Map.of(), image.toString()))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("DOPPEL_KAFKA_BOOTSTRAP_SERVERS")
        .hasMessageContaining("DOPPEL_SCHEMA_REGISTRY_URL")
        .hasMessageContaining("--bootstrap");
  }

  @Test
  void aBadPurposeAndUnknownOptionsAreUsageErrors() throws IOException {
    Path image = Files.write(dir.resolve("a.png"), new byte[] {1});
    assertThatThrownBy(() -> run(
            Map.of(),
            "--purpose",
            "delete",
            "--bootstrap",
            "h:1",
            "--registry",
            "http://r",
            image.toString()))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--purpose must be upload or reference, got 'delete'");
    assertThatThrownBy(() -> run(
            Map.of(),
            "--tennant",
            "x",
            "--bootstrap",
            "h:1",
            "--registry",
            "http://r",
            image.toString()))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--tennant");
  }

  @Test
  void anUnreadableSecretFileIsAProblemAsForTheServices() throws IOException {
    Path image = Files.write(dir.resolve("a.png"), new byte[] {1});
    Path secret = dir.resolve("missing-jaas");
    assertThatThrownBy(() -> run(
            Map.of("DOPPEL_KAFKA_SASL_JAAS_CONFIG_FILE", secret.toString()),
            "--bootstrap",
            "h:1",
            "--registry",
            "http://r",
            image.toString()))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("DOPPEL_KAFKA_SASL_JAAS_CONFIG_FILE=" + secret + " cannot be read");
  }

  @Test
  void anUnreachableBrokerFailsWithinTheTimeout() throws IOException {
    Path image = Files.write(dir.resolve("a.png"), new byte[] {1});
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    long started = System.nanoTime();
    assertThatThrownBy(() -> run(
            Map.of(),
            "--bootstrap",
            "127.0.0.1:" + closedPort,
            "--registry",
            "http://127.0.0.1:" + closedPort,
            "--timeout",
            "2",
            image.toString()))
        .isInstanceOf(CommandFailedException.class)
        .hasMessageContaining(
            "no Kafka broker answered at 127.0.0.1:" + closedPort + " within 2 s");
    assertThat((System.nanoTime() - started) / 1e9).isLessThan(20);
  }
}
