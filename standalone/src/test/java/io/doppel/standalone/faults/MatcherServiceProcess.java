package io.doppel.standalone.faults;

import io.doppel.matcher.MatcherService;
import io.doppel.topology.ops.Deployment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real matcher service ({@link MatcherService#main}, configured by its environment) in a child
 * JVM, so that a test can kill it abruptly: SIGKILL, no LeaveGroup, its open transaction left to
 * time out, as a crashed pod dies. Ready once its own {@code /health/ready} answers 200.
 */
final class MatcherServiceProcess implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final int HTTP_OK = 200;
  private static final int LOG_TAIL_CHARS = 4_000;
  private static final List<String> JVM_OPTIONS = List.of("-Xmx768m", "-XX:+UseSerialGC",
      "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector");
  private static final String AVRO_PACKAGES = "org.apache.avro.SERIALIZABLE_PACKAGES";

  private final Process process;
  private final Path log;

  private MatcherServiceProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** A free port for the child's ops endpoints, which the test polls for readiness. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts the service with {@code environment} (its DOPPEL_* settings, ops port included) and waits until it is ready. */
  static MatcherServiceProcess start(Map<String, String> environment, int opsPort, Path log) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_OPTIONS);
    if (System.getProperty(AVRO_PACKAGES) != null) {
      command.add("-D" + AVRO_PACKAGES + "=" + System.getProperty(AVRO_PACKAGES));
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), MatcherService.class.getName()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(environment);
    try {
      Process process = builder.start();
      // a test JVM stopped by a signal does not close its resources; the child must not outlive it
      Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "kill-matcher-child"));
      MatcherServiceProcess child = new MatcherServiceProcess(process, log);
      child.awaitReady(opsPort);
      return child;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the matcher service process", e);
    }
  }

  private void awaitReady(int opsPort) {
    URI ready = URI.create("http://127.0.0.1:" + opsPort + Deployment.READINESS_PATH);
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    try (HttpClient http = HttpClient.newHttpClient()) {
      while (true) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          kill();
          throw new IllegalStateException("the matcher service process did not become ready; its log:\n" + logTail());
        }
        try {
          HttpResponse<Void> response = http.send(HttpRequest.newBuilder(ready).timeout(REQUEST_TIMEOUT).build(),
              HttpResponse.BodyHandlers.discarding());
          if (response.statusCode() == HTTP_OK) {
            return;
          }
        } catch (IOException notListeningYet) {
          // the ops server starts a moment after the JVM
        }
        Thread.sleep(POLL.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      throw new IllegalStateException("interrupted while waiting for the matcher service process", e);
    }
  }

  private String logTail() {
    try {
      String text = Files.readString(log);
      return text.length() <= LOG_TAIL_CHARS ? text : text.substring(text.length() - LOG_TAIL_CHARS);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** SIGKILL, as a crashed machine stops: no close, no LeaveGroup, no commit or abort. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    kill();
  }
}
