package io.doppel.standalone.tail;

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
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Usage errors come before any connection; an unreachable broker fails within the timeout. */
class TailCommandTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private int run(String... argv) {
    return TailCommand.run(
        Args.parse(List.of(argv), Set.of("from-beginning")),
        Map.of(),
        new PrintStream(out, true, StandardCharsets.UTF_8),
        false);
  }

  @Test
  void badKindsAndCountsAreUsageErrors() {
    assertThatThrownBy(
            () -> run("--kind", "violation", "--bootstrap", "h:1", "--registry", "http://r"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("unknown: violation");
    assertThatThrownBy(() -> run("--max", "0", "--bootstrap", "h:1", "--registry", "http://r"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--max must be at least 1");
    assertThatThrownBy(() -> run("--kind", "clean"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--bootstrap (or DOPPEL_KAFKA_BOOTSTRAP_SERVERS) is required")
        .hasMessageContaining("--registry (or DOPPEL_SCHEMA_REGISTRY_URL) is required");
  }

  @Test
  void anUnreachableBrokerFailsWithinTheTimeout() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    long started = System.nanoTime();
    assertThatThrownBy(() -> run(
            "--bootstrap",
            "127.0.0.1:" + closedPort,
            "--registry",
            "http://127.0.0.1:1",
            "--timeout",
            "2"))
        .isInstanceOf(CommandFailedException.class)
        .hasMessageContaining(
            "no Kafka broker answered at 127.0.0.1:" + closedPort + " within 2 s");
    assertThat((System.nanoTime() - started) / 1e9).isLessThan(20);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
