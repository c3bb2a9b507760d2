package io.doppel.topology.runtime;

import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a topology the way every Doppel service must: {@code exactly_once_v2}, consumers {@code
 * read_committed}, a stream thread that dies of an exception replaced (the task's offsets stay
 * uncommitted, so its records are processed again), and a state that readiness and liveness probes
 * read.
 *
 * <pre>
 * ready = state ∈ {RUNNING}            alive = state ∉ {PENDING_ERROR, ERROR}
 * max.poll.interval.ms   = max(Kafka's default, 2 · maxBlocking)
 * transaction.timeout.ms = max(Streams' EOS default, 2 · maxBlocking)
 * commit.interval.ms     = 25 unless overridden (Streams' EOS default: 100)
 * max.request.size       = 9 MiB unless overridden (Kafka's default: 1 MiB)
 * </pre>
 *
 * <p>Under exactly-once a record's output is visible to {@code read_committed} consumers only when its transaction
 * commits, so every hop (upload → features → decision) waits for its service's next commit: half the interval on
 * average, the whole interval at worst. 25 ms keeps that under 50 ms for both hops.
 *
 * {@code maxBlocking} is the longest a processor may hold one record (the matcher's retry budget);
 * the two timeouts above keep such a wait from fencing the instance or aborting its transaction.
 */
public final class StreamsRuntime implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(StreamsRuntime.class);
  private static final int TIMEOUT_PER_MAX_BLOCKING = 2;
  private static final Duration DEFAULT_MAX_POLL_INTERVAL = Duration.ofMinutes(5);
  private static final Duration EOS_DEFAULT_TRANSACTION_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(50);
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(25);
  public static final int DEFAULT_MAX_REQUEST_SIZE = 9 * 1024 * 1024;

  private final StreamsRuntimeConfig config;
  private final KafkaStreams streams;
  private final AtomicInteger threadReplacements = new AtomicInteger();

  private StreamsRuntime(Topology topology, StreamsRuntimeConfig config) {
    this.config = config;
    this.streams = new KafkaStreams(topology, properties(config));
    // Logs only: KafkaStreams calls the listener after the change, so a state kept here would lag
    // streams.state() (close() could return while it still read PENDING_SHUTDOWN).
    streams.setStateListener((newState, oldState) ->
        LOG.info("{}: {} → {}", config.applicationId(), oldState, newState));
    streams.setUncaughtExceptionHandler(error -> {
      LOG.error(
          "{}: stream thread failed; replacing it, its task resumes from the last commit",
          config.applicationId(),
          error);
      threadReplacements.incrementAndGet();
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    });
  }

  /** Starts the topology; returns at once (see {@link #awaitRunning}). */
  public static StreamsRuntime start(Topology topology, StreamsRuntimeConfig config) {
    Objects.requireNonNull(topology, "topology");
    Objects.requireNonNull(config, "config");
    StreamsRuntime runtime = new StreamsRuntime(topology, config);
    LOG.info("starting {}", config);
    runtime.streams.start();
    return runtime;
  }

  /** The Streams configuration this runtime derives from {@code config}. */
  public static Properties properties(StreamsRuntimeConfig config) {
    Properties p = new Properties();
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, DEFAULT_COMMIT_INTERVAL.toMillis());
    // The largest record a Doppel topic takes (doppel.features, 8 MiB) and its batch framing. With
    // Kafka's 1 MiB the
    // extractor's changelog record of an inline upload over 1 MiB was refused, the thread replaced
    // and the record
    // consumed again forever (LargeInlineUploadsIT).
    p.put(
        StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
        DEFAULT_MAX_REQUEST_SIZE);
    p.putAll(config.overrides());
    p.putAll(config.security());
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDirectory().toString());
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.streamThreads());
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
    // No global stores here; enabling it only opts in to Kafka 5's default and silences a warning.
    p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    Duration blockingTimeout = config.maxBlocking().multipliedBy(TIMEOUT_PER_MAX_BLOCKING);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), (int)
        max(DEFAULT_MAX_POLL_INTERVAL, blockingTimeout).toMillis());
    p.put(StreamsConfig.producerPrefix(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG), (int)
        max(EOS_DEFAULT_TRANSACTION_TIMEOUT, blockingTimeout).toMillis());
    return p;
  }

  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Readiness: all tasks assigned and running. */
  public boolean isReady() {
    return state() == KafkaStreams.State.RUNNING;
  }

  /** Liveness: not failed for good (a replaced thread or a rebalance is still alive). */
  public boolean isAlive() {
    KafkaStreams.State state = state();
    return state != KafkaStreams.State.ERROR && state != KafkaStreams.State.PENDING_ERROR;
  }

  /** How many stream threads died of an exception and were replaced since start (a health signal). */
  public int threadReplacements() {
    return threadReplacements.get();
  }

  /** For metrics binders and queries; do not start or close it directly. */
  public KafkaStreams streams() {
    return streams;
  }

  /** Waits until RUNNING; fails with the current state when {@code timeout} passes first or it fails. */
  public void awaitRunning(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!isReady()) {
      KafkaStreams.State state = state();
      if (!isAlive() || state == KafkaStreams.State.NOT_RUNNING) {
        throw new IllegalStateException(config.applicationId() + " stopped in state " + state);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            config.applicationId() + " not running after " + timeout + ", state " + state);
      }
      try {
        Thread.sleep(POLL_INTERVAL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(
            "interrupted while waiting for " + config.applicationId(), e);
      }
    }
  }

  /** Stops within {@code closeTimeout}; a thread still running then is logged, not waited for. */
  @Override
  public void close() {
    if (!streams.close(config.closeTimeout())) {
      LOG.warn(
          "{}: not all stream threads stopped within {}",
          config.applicationId(),
          config.closeTimeout());
    }
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
