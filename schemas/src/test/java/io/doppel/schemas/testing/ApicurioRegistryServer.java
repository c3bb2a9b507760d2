package io.doppel.schemas.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A real Apicurio Registry server in a child JVM, keeping its data in memory. Its Confluent
 * compatible API is at {@link #ccompatUrl()}. Maven unpacks the server into the schemas module's
 * {@code target/apicurio} (see schemas/pom.xml); other modules use it from there through the
 * schemas test-jar, and {@code -Ddoppel.apicurio.home=DIR} points elsewhere.
 */
public final class ApicurioRegistryServer implements AutoCloseable {

  public static final String HOME_PROPERTY = "doppel.apicurio.home";
  public static final String CCOMPAT_PATH = "/apis/ccompat/v7";

  private static final Path DEFAULT_HOME = Path.of("target", "apicurio");
  private static final String RUNNER_JAR = "quarkus-run.jar";
  private static final int MINIMUM_JAVA = 21;
  /** On a busy two-core build machine Apicurio takes 10-40 s to start; leave ample room. */
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);

  private static final Duration POLL_INTERVAL = Duration.ofMillis(300);
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);
  private static final String MAX_HEAP = "-Xmx512m";
  private static final int LOG_TAIL_LINES = 40;

  private final Process process;
  private final int port;
  private final Path log;
  private final Thread shutdownHook;

  private ApicurioRegistryServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
    this.shutdownHook = new Thread(this::stopProcess, "apicurio-registry-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts the server and returns once its ccompat API answers. */
  public static ApicurioRegistryServer start() {
    if (Runtime.version().feature() < MINIMUM_JAVA) {
      throw new IllegalStateException(
          "Apicurio Registry needs Java " + MINIMUM_JAVA + "+, the tests run on "
              + Runtime.version() + "; set JAVA_HOME to a newer JDK (source scripts/jdk.sh)");
    }
    Path home = home();
    Path runner = home.resolve(RUNNER_JAR);
    if (!Files.isRegularFile(runner)) {
      throw new IllegalStateException("no Apicurio Registry at " + runner
          + "; build with Maven (it unpacks io.apicurio:apicurio-registry-app:all:tar.gz there) or set -D"
          + HOME_PROPERTY);
    }
    int port = freePort();
    Path log = home.getParent().resolve("apicurio-registry-" + port + ".log");
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder builder = new ProcessBuilder(List.of(
            java.toString(),
            MAX_HEAP,
            "-Dquarkus.http.host=127.0.0.1",
            "-Dquarkus.http.port=" + port,
            // Quarkus' management interface would otherwise take port 9000 and clash with other
            // registries.
            "-Dquarkus.management.enabled=false",
            "-jar",
            runner.toString()))
        .directory(home.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Apicurio Registry with " + java, e);
    }
    ApicurioRegistryServer server = new ApicurioRegistryServer(process, port, log);
    try {
      server.awaitReady();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** {@code -Ddoppel.apicurio.home}, else this module's {@code target/apicurio}, else the schemas module's. */
  private static Path home() {
    String configured = System.getProperty(HOME_PROPERTY);
    if (configured != null) {
      return Path.of(configured).toAbsolutePath();
    }
    Path own = DEFAULT_HOME.toAbsolutePath();
    Path schemasModule =
        Path.of("..", "schemas").resolve(DEFAULT_HOME).toAbsolutePath().normalize();
    return Files.isRegularFile(own.resolve(RUNNER_JAR)) || !Files.isDirectory(schemasModule)
        ? own
        : schemasModule;
  }

  /** The Confluent-compatible API root, e.g. {@code http://127.0.0.1:PORT/apis/ccompat/v7}. */
  public URI ccompatUrl() {
    return URI.create("http://127.0.0.1:" + port + CCOMPAT_PATH);
  }

  public Path log() {
    return log;
  }

  @Override
  public void close() {
    stopProcess();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook is running or has run; nothing left to undo.
    }
  }

  private void stopProcess() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void awaitReady() {
    URI probe = URI.create(ccompatUrl() + "/subjects");
    Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
    try (HttpClient http =
        HttpClient.newBuilder().connectTimeout(POLL_INTERVAL.multipliedBy(3)).build()) {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException(
              "Apicurio Registry exited with status " + process.exitValue()
                  + " before it was ready; last lines of " + log + ":\n" + logTail());
        }
        if (answers(http, probe)) {
          return;
        }
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException("Apicurio Registry did not answer " + probe + " within "
              + STARTUP_TIMEOUT.toSeconds() + " s; last lines of " + log + ":\n" + logTail());
        }
        Thread.sleep(POLL_INTERVAL.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for Apicurio Registry", e);
    }
  }

  private static boolean answers(HttpClient http, URI probe) throws InterruptedException {
    try {
      HttpResponse<Void> response = http.send(
          HttpRequest.newBuilder(probe).timeout(Duration.ofSeconds(5)).GET().build(),
          HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException notListeningYet) {
      return false;
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(
          "\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    } catch (IOException e) {
      return "(cannot read the log: " + e + ")";
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free local port for Apicurio Registry", e);
    }
  }
}
