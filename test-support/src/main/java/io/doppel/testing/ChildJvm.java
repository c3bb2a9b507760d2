package io.doppel.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A Java program from this test JVM's classpath in a child JVM, so that a test can kill it abruptly (SIGKILL: no
 * shutdown hooks, no LeaveGroup, an open transaction left to time out), as a crashed pod dies.
 *
 * <p>The child runs {@code java.home}'s {@code java} with the given JVM options, this JVM's {@code
 * org.apache.avro.SERIALIZABLE_PACKAGES} (Avro refuses to decode Doppel's records without it) and {@code
 * java.class.path}; its standard output and error are appended to one log file. A test waits for it with {@link
 * #awaitLine} or {@link #awaitReady}; if it dies or the time is up first, the child is killed and the error carries
 * the end of its log. A shutdown hook kills a child that is still running when the test JVM exits (a test that did
 * not close it, SIGTERM). Guarded by {@code ChildJvmIT}.
 */
public final class ChildJvm implements AutoCloseable {

  public static final String AVRO_PACKAGES = "org.apache.avro.SERIALIZABLE_PACKAGES";
  private static final Duration KILL_WAIT = Duration.ofSeconds(60);
  private static final Duration LINE_POLL = Duration.ofMillis(200);
  private static final int LOG_TAIL_CHARS = 4_000;

  /** Whether the child is ready: asked again and again until it says so, the child dies or the time is up. */
  @FunctionalInterface
  public interface Probe {
    boolean ready() throws IOException, InterruptedException;
  }

  private final String mainClass;
  private final Process process;
  private final Path log;
  private final long logStart;
  private final Thread reaper;

  private ChildJvm(String mainClass, Process process, Path log, long logStart) {
    this.mainClass = mainClass;
    this.process = process;
    this.log = log;
    this.logStart = logStart;
    this.reaper = new Thread(process::destroyForcibly, "kill-child-jvm-" + process.pid());
    Runtime.getRuntime().addShutdownHook(reaper);
  }

  /** A child that will run {@code mainClass}'s {@code main}; {@link Builder#start} starts it. */
  public static Builder of(String mainClass) {
    return new Builder(mainClass);
  }

  /** What the child runs with. */
  public static final class Builder {
    private final String mainClass;
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> environment = new HashMap<>();
    private Path log;

    private Builder(String mainClass) {
      this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
    }

    /** Options before the class path, such as {@code -Xmx256m}. */
    public Builder jvmOptions(List<String> options) {
      jvmOptions.addAll(options);
      return this;
    }

    /** Arguments of {@code main}. */
    public Builder args(List<String> arguments) {
      args.addAll(arguments);
      return this;
    }

    /** Variables added to this JVM's environment for the child. */
    public Builder environment(Map<String, String> variables) {
      environment.putAll(variables);
      return this;
    }

    /** The file the child's output and errors are appended to (required). */
    public Builder log(Path file) {
      log = file;
      return this;
    }

    /**
     * The command line this builder starts. The classpath goes in an argument file ({@code @file}, next to the log):
     * ONNX Runtime crashes a JVM whose command line is longer than about 4 KB (extractor-service/README.md).
     */
    public List<String> command() {
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      if (ChildJvm.class.desiredAssertionStatus()) {
        command.add(
            "-ea"); // a test JVM's asserts (Surefire and Failsafe enable them) hold in its children
        // too
      }
      command.addAll(jvmOptions);
      String avroPackages = System.getProperty(AVRO_PACKAGES);
      if (avroPackages != null) {
        command.add("-D" + AVRO_PACKAGES + "=" + avroPackages);
      }
      command.addAll(List.of("@" + classpathFile(), mainClass));
      command.addAll(args);
      return command;
    }

    private Path classpathFile() {
      Objects.requireNonNull(log, "log");
      return log.resolveSibling(log.getFileName() + ".classpath");
    }

    /** Starts the child; it is not ready yet: wait with {@link #awaitLine} or {@link #awaitReady}. */
    public ChildJvm start() {
      Objects.requireNonNull(log, "log");
      String classpath =
          System.getProperty("java.class.path").replace("\\", "\\\\").replace("\"", "\\\"");
      try {
        Files.writeString(classpathFile(), "-cp \"" + classpath + "\"\n");
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot write the child's classpath file " + classpathFile(), e);
      }
      ProcessBuilder builder = new ProcessBuilder(command())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().putAll(environment);
      try {
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        return new ChildJvm(mainClass, builder.start(), log, logStart);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start a child JVM for " + mainClass, e);
      }
    }
  }

  /** Waits until the child has written a line containing {@code line} to its log (since it started). */
  public void awaitLine(String line, Duration timeout) {
    awaitReady(timeout, LINE_POLL, () -> output().contains(line));
  }

  /** Asks {@code probe} every {@code poll} until it answers true. */
  public void awaitReady(Duration timeout, Duration poll, Probe probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (!probe.ready()) {
        if (!process.isAlive()) {
          throw notReady("exited with status " + process.exitValue() + " before it was ready");
        }
        if (System.nanoTime() > deadline) {
          throw notReady("was not ready within " + timeout.toSeconds() + " s");
        }
        Thread.sleep(poll.toMillis());
      }
    } catch (IOException e) {
      throw notReady("could not be checked (" + e + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw notReady("was interrupted while waiting");
    }
  }

  private IllegalStateException notReady(String what) {
    kill();
    return new IllegalStateException("the child JVM running " + mainClass + " " + what
        + "; the end of its log " + log + ":\n" + logTail());
  }

  /** What the child has written since it started. */
  public String output() throws IOException {
    if (!Files.exists(log)) {
      return "";
    }
    byte[] bytes = Files.readAllBytes(log);
    int from = (int) Math.min(logStart, bytes.length);
    return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
  }

  /** The last few thousand characters of {@link #output}, for error messages. */
  public String logTail() {
    try {
      String text = output();
      return text.length() <= LOG_TAIL_CHARS
          ? text
          : text.substring(text.length() - LOG_TAIL_CHARS);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL, as a crashed machine stops: no close, no LeaveGroup, no commit or abort. Returns once it is gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Kills the child (it has no graceful stop: tests that stop a child stop it as a crash would). */
  @Override
  public void close() {
    kill();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or has run: nothing left to undo
    }
  }
}
