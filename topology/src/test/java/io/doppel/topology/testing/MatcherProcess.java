package io.doppel.topology.testing;

import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.schemas.registry.SchemaRegistry;
import io.doppel.schemas.serde.AvroSerde;
import io.doppel.testing.ChildJvm;
import io.doppel.topology.match.DependencyUnavailableException;
import io.doppel.topology.match.Matcher;
import io.doppel.topology.match.MatchingTopology;
import io.doppel.topology.runtime.StreamsRuntime;
import io.doppel.topology.runtime.StreamsRuntimeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A matching-topology instance in a child JVM ({@link ChildJvm}), so that a test can kill it abruptly (SIGKILL: no
 * LeaveGroup, its open transaction left to time out), as a crashed pod dies. Its matcher is a
 * {@link ScriptedMatcher} whose index is down while {@code indexDownFlag} exists, a file the test
 * creates and deletes (and in-process instances can watch the same file).
 *
 * <p>Schema ids must mean the same in every process: each one calls {@link #registerSchemas} on
 * its in-memory registry before anything else, so the ids are 1..5 in the same order everywhere.
 */
public final class MatcherProcess implements AutoCloseable {

  private static final String READY = "matcher process running";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final List<String> JVM_OPTIONS =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
  private static final String SESSION_TIMEOUT = "consumer.session.timeout.ms";

  private final ChildJvm child;

  private MatcherProcess(ChildJvm child) {
    this.child = child;
  }

  /**
   * Registers every Doppel schema in a fixed order, so ids agree across processes: in the form the serdes register
   * ({@link AvroSerde#registeredForm}), or each process would give its own next ids to the schemas its serdes meet.
   */
  public static <R extends SchemaRegistry> R registerSchemas(R registry) {
    registry.register(Topics.UPLOADS + "-key", AvroSerde.registeredForm(ImageKey.getClassSchema()));
    registry.register(
        Topics.UPLOADS + "-value", AvroSerde.registeredForm(UploadEvent.getClassSchema()));
    registry.register(
        Topics.FEATURES + "-value", AvroSerde.registeredForm(ImageFeatures.getClassSchema()));
    registry.register(
        Topics.OUTCOMES + "-value", AvroSerde.registeredForm(MatchEvent.getClassSchema()));
    registry.register(
        Topics.DEAD_LETTERS + "-value", AvroSerde.registeredForm(DeadLetter.getClassSchema()));
    return registry;
  }

  /** A scripted matcher whose index is down while {@code flag} exists. */
  public static Matcher withIndexFlag(ScriptedMatcher scripted, Path flag) {
    return new Matcher() {
      @Override
      public List<MatchEvent> match(ImageFeatures features) {
        if (Files.exists(flag)) {
          throw new DependencyUnavailableException(
              "index unavailable (flag " + flag.getFileName() + ")", null);
        }
        return scripted.match(features);
      }

      @Override
      public void commit() {
        scripted.commit();
      }
    };
  }

  /** Starts the child and waits until its topology is RUNNING. */
  public static MatcherProcess start(
      StreamsRuntimeConfig config, MatchingTopology.Settings retry, Path indexDownFlag, Path log) {
    ChildJvm child = ChildJvm.of(MatcherProcess.class.getName())
        .jvmOptions(JVM_OPTIONS)
        .args(List.of(
            config.bootstrapServers(),
            config.applicationId(),
            config.stateDirectory().toString(),
            Long.toString(config.maxBlocking().toMillis()),
            config.overrides().getOrDefault(SESSION_TIMEOUT, ""),
            Long.toString(retry.initialBackoff().toMillis()),
            Long.toString(retry.maxBackoff().toMillis()),
            Long.toString(retry.retryBudget().toMillis()),
            indexDownFlag.toString()))
        .log(log)
        .start();
    child.awaitLine(READY, START_TIMEOUT);
    return new MatcherProcess(child);
  }

  /** SIGKILL, as a crashed machine stops: no close, no LeaveGroup, no commit or abort. */
  public void kill() {
    child.kill();
  }

  @Override
  public void close() {
    child.close();
  }

  public static void main(String[] args) throws Exception {
    int i = 0;
    String bootstrap = args[i++];
    String applicationId = args[i++];
    Path state = Path.of(args[i++]);
    Duration maxBlocking = Duration.ofMillis(Long.parseLong(args[i++]));
    String sessionTimeout = args[i++];
    var retry = new MatchingTopology.Settings(
        Duration.ofMillis(Long.parseLong(args[i++])),
        Duration.ofMillis(Long.parseLong(args[i++])),
        Duration.ofMillis(Long.parseLong(args[i++])));
    Path flag = Path.of(args[i]);
    Topics topics = Topics.using(registerSchemas(new InMemorySchemaRegistry()));
    var topology =
        MatchingTopology.build(topics, withIndexFlag(new ScriptedMatcher(), flag), retry);
    var config = StreamsRuntimeConfig.of(bootstrap, applicationId, state)
        .withMaxBlocking(maxBlocking)
        .withOverrides(
            sessionTimeout.isEmpty() ? Map.of() : Map.of(SESSION_TIMEOUT, sessionTimeout));
    StreamsRuntime runtime = StreamsRuntime.start(topology, config);
    runtime.awaitRunning(START_TIMEOUT);
    System.out.println(READY);
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE); // until killed
  }
}
