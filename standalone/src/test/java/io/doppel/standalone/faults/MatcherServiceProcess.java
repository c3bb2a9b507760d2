package io.doppel.standalone.faults;

import io.doppel.matcher.MatcherService;
import io.doppel.testing.ChildJvm;
import io.doppel.topology.ops.Deployment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The real matcher service ({@link MatcherService#main}, configured by its environment) in a child
 * JVM ({@link ChildJvm}), so that a test can kill it abruptly: SIGKILL, no LeaveGroup, its open transaction left to
 * time out, as a crashed pod dies. Ready once its own {@code /health/ready} answers 200.
 */
final class MatcherServiceProcess implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final int HTTP_OK = 200;
  private static final List<String> JVM_OPTIONS = List.of(
      "-Xmx768m",
      "-XX:+UseSerialGC",
      "--enable-native-access=ALL-UNNAMED",
      "--add-modules",
      "jdk.incubator.vector");

  private final ChildJvm child;

  private MatcherServiceProcess(ChildJvm child) {
    this.child = child;
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
    ChildJvm child = ChildJvm.of(MatcherService.class.getName())
        .jvmOptions(JVM_OPTIONS)
        .environment(environment)
        .log(log)
        .start();
    URI ready = URI.create("http://127.0.0.1:" + opsPort + Deployment.READINESS_PATH);
    try (HttpClient http = HttpClient.newHttpClient()) {
      child.awaitReady(START_TIMEOUT, POLL, () -> answersOk(http, ready));
    }
    return new MatcherServiceProcess(child);
  }

  private static boolean answersOk(HttpClient http, URI ready) throws InterruptedException {
    try {
      HttpResponse<Void> response = http.send(
          HttpRequest.newBuilder(ready).timeout(REQUEST_TIMEOUT).build(),
          HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == HTTP_OK;
    } catch (IOException notListeningYet) {
      return false; // the ops server starts a moment after the JVM
    }
  }

  /** SIGKILL, as a crashed machine stops: no close, no LeaveGroup, no commit or abort. */
  void kill() {
    child.kill();
  }

  @Override
  public void close() {
    child.close();
  }
}
