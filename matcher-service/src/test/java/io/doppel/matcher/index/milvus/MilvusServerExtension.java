package io.doppel.matcher.index.milvus;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Milvus server for the test JVM: {@code DOPPEL_MILVUS_URI} when set, else the one
 * {@code scripts/milvus-server.sh} installs and starts (once per JVM, stopped when the run ends).
 * A fault test may {@link #stopServer stop} the script-started server and {@link #startServer start}
 * it again on the same port and data directory, as an outage of the index would.
 */
public final class MilvusServerExtension implements BeforeAllCallback {

  public static final String URI_VARIABLE = "DOPPEL_MILVUS_URI";
  private static final String SCRIPT = "scripts/milvus-server.sh";
  private static final long START_TIMEOUT_MINUTES = 5;
  private static final long STOP_TIMEOUT_SECONDS = 30;
  private static final int LOG_TAIL_CHARS = 4_000;

  private static volatile String uri;
  private static volatile LocalServer local;

  /** The server's URI; valid in tests of classes extended with this extension. */
  public static String uri() {
    if (uri == null) {
      throw new IllegalStateException(
          "no Milvus server: extend the test class with MilvusServerExtension");
    }
    return uri;
  }

  /** Whether this JVM started the server itself (so a test may stop and restart it), not {@code DOPPEL_MILVUS_URI}'s. */
  public static boolean restartable() {
    return local != null;
  }

  /** Stops the script-started server, keeping its data directory and port for {@link #startServer}. */
  public static void stopServer() throws IOException {
    requireLocal().stop();
  }

  /** Starts the script-started server again on its port and data directory; returns once it serves. */
  public static void startServer() throws IOException {
    requireLocal().start();
  }

  private static LocalServer requireLocal() {
    if (local == null) {
      throw new IllegalStateException("no script-started Milvus server in this JVM (external "
          + URI_VARIABLE + " or the extension not registered)");
    }
    return local;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    String external = System.getenv(URI_VARIABLE);
    if (external != null && !external.isBlank()) {
      uri = external;
      return;
    }
    local = context
        .getRoot()
        .getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(LocalServer.class, key -> LocalServer.create(), LocalServer.class);
  }

  /** The script-started server; JUnit closes it when the root context (the whole run) ends. */
  private record LocalServer(Path script, Path dataDir, int port)
      implements ExtensionContext.Store.CloseableResource {

    static LocalServer create() {
      try {
        LocalServer server = new LocalServer(
            findScript(), Files.createTempDirectory("doppel-milvus-"), freePortPair());
        server.start();
        uri = "http://127.0.0.1:" + server.port();
        return server;
      } catch (IOException e) {
        throw new IllegalStateException(
            "cannot start the test Milvus server: " + e.getMessage(), e);
      }
    }

    void start() throws IOException {
      String output = run(
          List.of(script.toString(), "start", Integer.toString(port), dataDir.toString()),
          START_TIMEOUT_MINUTES * 60);
      System.out.println(output.strip());
    }

    void stop() throws IOException {
      run(List.of(script.toString(), "stop", dataDir.toString()), STOP_TIMEOUT_SECONDS);
    }

    @Override
    public void close() throws IOException {
      stop();
      uri = null;
      local = null;
      try (Stream<Path> paths = Files.walk(dataDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }

    private static String run(List<String> command, long timeoutSeconds) throws IOException {
      Path output = Files.createTempFile("doppel-milvus-script-", ".log");
      Process process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(output.toFile())
          .start();
      try {
        boolean finished = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        String log = Files.readString(output, StandardCharsets.UTF_8);
        if (!finished) {
          process.destroyForcibly();
          throw new IOException(String.join(" ", command) + " did not finish in " + timeoutSeconds
              + " s; output:\n" + tail(log));
        }
        if (process.exitValue() != 0) {
          throw new IOException(String.join(" ", command) + " failed (exit " + process.exitValue()
              + "); output:\n" + tail(log));
        }
        return log;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
        throw new IOException("interrupted while running " + command, e);
      } finally {
        Files.deleteIfExists(output);
      }
    }

    private static String tail(String log) {
      return log.length() <= LOG_TAIL_CHARS ? log : log.substring(log.length() - LOG_TAIL_CHARS);
    }

    /** The script walks up from the module directory Surefire and Failsafe run in. */
    private static Path findScript() throws IOException {
      for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
        if (Files.isExecutable(dir.resolve(SCRIPT))) {
          return dir.resolve(SCRIPT);
        }
      }
      throw new IOException(
          SCRIPT + " not found above " + Path.of("").toAbsolutePath() + "; or set " + URI_VARIABLE);
    }

    /** A free port whose successor (the embedded etcd's) is free too. */
    private static int freePortPair() throws IOException {
      while (true) {
        try (ServerSocket first = new ServerSocket(0)) {
          int port = first.getLocalPort();
          try (ServerSocket second = new ServerSocket(port + 1)) {
            return port;
          } catch (IOException taken) {
            // try another pair
          }
        }
      }
    }
  }
}
