package io.doppel.matcher;

import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.index.VectorIndexes;
import io.doppel.matcher.index.milvus.MilvusVectorIndex;
import io.doppel.matcher.policy.Policy;
import io.doppel.matcher.retrieval.DualRetrievalMatcher;
import io.doppel.matcher.score.Calibration;
import io.doppel.matcher.score.FusedScorer;
import io.doppel.matcher.verify.GeometricVerifier;
import io.doppel.schemas.Topics;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.schemas.registry.SchemaRegistry;
import io.doppel.topology.config.ConfigException;
import io.doppel.topology.config.ConfigReader;
import io.doppel.topology.match.Matcher;
import io.doppel.topology.match.MatchingTopology;
import io.doppel.topology.ops.HealthCheck;
import io.doppel.topology.ops.OpsMetrics;
import io.doppel.topology.ops.OpsServer;
import io.doppel.topology.runtime.StreamsRuntime;
import io.doppel.topology.runtime.StreamsRuntimeConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The matcher service: opens the vector index (Lucene by default, Milvus by config), loads the
 * policy and calibration (failing fast on either), builds the {@link DualRetrievalMatcher} and
 * runs the matching topology under exactly-once Streams, with health and Prometheus metrics on
 * the ops port. Start with {@link #start}, stop with {@link #close}; {@link #main} runs it from
 * the environment until SIGTERM.
 *
 * <pre>
 * ready = streams RUNNING or REBALANCING  and  the vector index answers a lookup
 * alive = streams not failed
 * </pre>
 */
public final class MatcherService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MatcherService.class);
  private static final String STREAMS_SUBDIRECTORY = "streams";
  /** Time one record may take on top of its retry budget before Streams would fence the instance. */
  private static final Duration PROCESSING_ALLOWANCE = Duration.ofSeconds(30);
  /** The {@code dependency} tag of the Milvus circuit breaker's gauge. */
  static final String MILVUS_DEPENDENCY = "milvus";
  /** The readiness check on the vector index. */
  static final String INDEX_HEALTH_CHECK = "vector-index";
  /** How long a readiness answer about the index is reused, so probes never queue calls on a slow index. */
  private static final Duration INDEX_CHECK_TTL = Duration.ofSeconds(5);

  private final OpsMetrics metrics;
  private final OpsServer ops;
  private final Matcher matcher;
  private final StreamsRuntime runtime;
  private final KafkaStreamsMetrics streamsMetrics;

  private MatcherService(
      OpsMetrics metrics,
      OpsServer ops,
      Matcher matcher,
      StreamsRuntime runtime,
      KafkaStreamsMetrics streamsMetrics) {
    this.metrics = metrics;
    this.ops = ops;
    this.matcher = matcher;
    this.runtime = runtime;
    this.streamsMetrics = streamsMetrics;
  }

  /**
   * Starts the ops endpoints first (probes answer while the index opens), then the index, the
   * matcher and the topology; returns at once (see {@link StreamsRuntime#awaitRunning}).
   */
  public static MatcherService start(MatcherConfig config, SchemaRegistry registry) {
    LOG.info("starting the matcher with {}", config);
    OpsMetrics metrics = OpsMetrics.forApplication(config.streams().applicationId());
    OpsServer ops = OpsServer.start(
        new OpsServer.Settings(
            OpsServer.Settings.ALL_INTERFACES,
            config.opsPort(),
            OpsServer.Settings.DEFAULT_STOP_GRACE),
        metrics.registry());
    Matcher matcher = null;
    try {
      VectorIndex opened = VectorIndexes.open(config.index());
      if (opened instanceof MilvusVectorIndex milvus) {
        metrics
            .meters()
            .circuitBreaker(
                MILVUS_DEPENDENCY,
                () -> milvus.circuitBreaker().getState() == CircuitBreaker.State.OPEN);
      }
      VectorIndex index = new MeteredVectorIndex(opened, metrics.meters());
      ops.addReadinessCheck(indexReachable(index, INDEX_CHECK_TTL));
      matcher = new MeteredMatcher(
          matcher(config.model(), config.matching(), index, Clock.systemUTC()), metrics.meters());
      MatchingTopology.Settings defaults = MatchingTopology.Settings.DEFAULTS;
      MatcherConfig.Streams settings = config.streams();
      var topology = MatchingTopology.build(
          Topics.using(registry),
          matcher,
          new MatchingTopology.Settings(
              defaults.initialBackoff(), defaults.maxBackoff(), settings.retryBudget()),
          metrics.registry());
      StreamsRuntimeConfig streams = new StreamsRuntimeConfig(
          config.kafka().bootstrapServers(),
          settings.applicationId(),
          settings.dataDirectory().resolve(STREAMS_SUBDIRECTORY),
          settings.threads(),
          settings.retryBudget().plus(PROCESSING_ALLOWANCE),
          StreamsRuntimeConfig.DEFAULT_CLOSE_TIMEOUT,
          config.kafka().security(),
          Map.of(
              StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
              String.valueOf(settings.commitInterval().toMillis())));
      StreamsRuntime runtime = StreamsRuntime.start(topology, streams);
      ops.watch(runtime.streams());
      return new MatcherService(
          metrics, ops, matcher, runtime, metrics.bindKafkaStreams(runtime.streams()));
    } catch (RuntimeException e) {
      if (matcher != null) {
        matcher.close();
      }
      ops.close();
      metrics.close();
      throw e;
    }
  }

  /**
   * Ready while a lookup of a probe image answers (false or true alike); an exception, such as
   * {@code IndexUnavailableException} from Milvus, is DOWN. Answers are reused for {@code ttl}.
   */
  static HealthCheck indexReachable(VectorIndex index, Duration ttl) {
    IndexReadiness readiness = new IndexReadiness(index, ttl);
    return new HealthCheck(INDEX_HEALTH_CHECK, readiness::up);
  }

  /** The cached answer of {@link #indexReachable}. */
  private static final class IndexReadiness {
    private static final ImageRef PROBE =
        new ImageRef("doppel-readiness-probe", "doppel-readiness-probe");
    private final VectorIndex index;
    private final long ttlNanos;
    private boolean checked;
    private long checkedAtNanos;
    private boolean up;

    IndexReadiness(VectorIndex index, Duration ttl) {
      this.index = index;
      this.ttlNanos = ttl.toNanos();
    }

    synchronized boolean up() {
      if (!checked || System.nanoTime() - checkedAtNanos >= ttlNanos) {
        try {
          index.contains(PROBE);
          up = true;
        } catch (RuntimeException e) {
          LOG.warn("readiness: the vector index does not answer: {}", e.toString());
          up = false;
        }
        checked = true;
        checkedAtNanos = System.nanoTime();
      }
      return up;
    }
  }

  /**
   * The matcher over {@code index} with the configured policy, calibration and settings: the same
   * code path the pipeline runs, for evaluation and benchmark commands too. Closing it closes the index.
   */
  public static DualRetrievalMatcher matcher(
      ModelKey model, MatcherConfig.Matching config, VectorIndex index, Clock clock) {
    try {
      Policy policy =
          config.policyFile() == null ? Policy.bundled() : Policy.load(config.policyFile());
      return matcher(model, config, policy, index, clock);
    } catch (RuntimeException e) {
      index.close();
      throw e;
    }
  }

  /**
   * As {@link #matcher(ModelKey, MatcherConfig.Matching, VectorIndex, Clock)} with the given policy; the index stays the
   * caller's to close if this throws.
   */
  public static DualRetrievalMatcher matcher(
      ModelKey model,
      MatcherConfig.Matching config,
      Policy policy,
      VectorIndex index,
      Clock clock) {
    Calibration calibration = config.calibrationFile() == null
        ? Calibration.bundled()
        : Calibration.load(config.calibrationFile());
    if (!calibration.fitsModel(model)) {
      // a warning, as for the prior: test and fixture models run with the bundled calibration on
      // purpose
      LOG.warn(
          "calibration {} was fitted on the similarities of global model {}, but this matcher's model is {}: scores are"
              + " miscalibrated until {} names a calibration fitted for it (matcher-service/README.md, \"Decision core\")",
          calibration.version(),
          calibration.globalModel(),
          model.idAndVersion(),
          ConfigReader.variable(MatcherConfig.CALIBRATION_FILE));
    }
    if (calibration.prior()) {
      LOG.warn(
          "calibration {} is a prior, not fitted on data: scores are rough until a fitted file is configured ({})",
          calibration.version(),
          ConfigReader.variable(MatcherConfig.CALIBRATION_FILE));
    }
    return new DualRetrievalMatcher(
        model,
        index,
        new GeometricVerifier(config.verifier()),
        new FusedScorer(calibration),
        policy,
        config.retrieval(),
        clock);
  }

  public boolean isReady() {
    return runtime.isReady();
  }

  public boolean isAlive() {
    return runtime.isAlive();
  }

  public StreamsRuntime runtime() {
    return runtime;
  }

  /** The port the ops endpoints listen on (the real one when configured as 0). */
  public int opsPort() {
    return ops.port();
  }

  /**
   * Stops the stream threads first, so no record is mid-match when the index closes; the ops
   * server last, so probes answer (not ready) during the shutdown.
   */
  @Override
  public void close() {
    try {
      runtime.close();
    } finally {
      streamsMetrics.close();
      matcher.close();
      ops.close();
      metrics.close();
    }
  }

  /** Runs the service from the environment (and DOPPEL_MATCHER_CONFIG_FILE) until SIGTERM. */
  public static void main(String[] args) throws InterruptedException {
    MatcherConfig config = MatcherConfig.fromEnvironment();
    if (config.schemaRegistry() == null) {
      throw new ConfigException(
          "invalid matcher configuration",
          List.of(
              "schema-registry.url (DOPPEL_SCHEMA_REGISTRY_URL) is required to run the service"));
    }
    HttpSchemaRegistry registry = new HttpSchemaRegistry(config.schemaRegistry());
    MatcherService service = start(config, registry);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(new Thread(
            () -> {
              LOG.info("SIGTERM: stopping the matcher");
              service.close();
              registry.close();
              stopped.countDown();
            },
            "matcher-shutdown"));
    stopped.await();
  }
}
