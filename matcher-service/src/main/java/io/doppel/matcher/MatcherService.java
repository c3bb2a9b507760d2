package io.doppel.matcher;

import io.doppel.matcher.index.LuceneIndexConfig;
import io.doppel.matcher.index.LuceneVectorIndex;
import io.doppel.matcher.index.MilvusIndexConfig;
import io.doppel.matcher.index.MilvusVectorIndex;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.policy.Policy;
import io.doppel.matcher.retrieval.DualRetrievalMatcher;
import io.doppel.matcher.score.Calibration;
import io.doppel.matcher.score.FusedScorer;
import io.doppel.matcher.verify.GeometricVerifier;
import io.doppel.schemas.Topics;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.schemas.registry.SchemaRegistry;
import io.doppel.topology.match.MatchingTopology;
import io.doppel.topology.runtime.StreamsRuntime;
import io.doppel.topology.runtime.StreamsRuntimeConfig;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The matcher service: opens the vector index (Lucene by default, Milvus by config), loads the
 * policy and calibration (failing fast on either), builds the {@link DualRetrievalMatcher} and
 * runs the matching topology under exactly-once Streams. Start with {@link #start}, stop with
 * {@link #close}; {@link #main} runs it from the environment until SIGTERM.
 */
public final class MatcherService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MatcherService.class);
  private static final String INDEX_SUBDIRECTORY = "index";
  private static final String STREAMS_SUBDIRECTORY = "streams";
  /** Time one record may take on top of its retry budget before Streams would fence the instance. */
  private static final Duration PROCESSING_ALLOWANCE = Duration.ofSeconds(30);

  private final DualRetrievalMatcher matcher;
  private final StreamsRuntime runtime;

  private MatcherService(DualRetrievalMatcher matcher, StreamsRuntime runtime) {
    this.matcher = matcher;
    this.runtime = runtime;
  }

  /** Builds everything and starts the topology; returns at once (see {@link StreamsRuntime#awaitRunning}). */
  public static MatcherService start(MatcherConfig config, SchemaRegistry registry) {
    LOG.info("starting the matcher with {}", config);
    DualRetrievalMatcher matcher = matcher(config, openIndex(config), Clock.systemUTC());
    try {
      MatchingTopology.Settings defaults = MatchingTopology.Settings.DEFAULTS;
      var topology = MatchingTopology.build(Topics.using(registry), matcher,
          new MatchingTopology.Settings(defaults.initialBackoff(), defaults.maxBackoff(), config.retryBudget()));
      StreamsRuntimeConfig streams = new StreamsRuntimeConfig(config.bootstrapServers(), config.applicationId(),
          config.dataDirectory().resolve(STREAMS_SUBDIRECTORY), config.streamThreads(),
          config.retryBudget().plus(PROCESSING_ALLOWANCE), StreamsRuntimeConfig.DEFAULT_CLOSE_TIMEOUT,
          config.kafkaSecurity(), Map.of());
      return new MatcherService(matcher, StreamsRuntime.start(topology, streams));
    } catch (RuntimeException e) {
      matcher.close();
      throw e;
    }
  }

  /** The configured index backend, opened (and its collections created or validated). */
  public static VectorIndex openIndex(MatcherConfig config) {
    return switch (config.indexBackend()) {
      case LUCENE -> LuceneVectorIndex.open(LuceneIndexConfig.of(config.dataDirectory().resolve(INDEX_SUBDIRECTORY), config.model()));
      case MILVUS -> MilvusVectorIndex.open(MilvusIndexConfig.of(config.milvus().uri(), config.milvus().token(),
          config.model(), config.modelDimension(), config.milvus().globalIndex()));
    };
  }

  /**
   * The matcher over {@code index} with the configured policy, calibration and settings: the same
   * code path the pipeline runs, for evaluation and benchmark commands too. Closing it closes the index.
   */
  public static DualRetrievalMatcher matcher(MatcherConfig config, VectorIndex index, Clock clock) {
    try {
      Policy policy = config.policyFile() == null ? Policy.bundled() : Policy.load(config.policyFile());
      Calibration calibration = config.calibrationFile() == null ? Calibration.bundled() : Calibration.load(config.calibrationFile());
      if (calibration.prior()) {
        LOG.warn("calibration {} is a prior, not fitted on data: scores are rough until a fitted file is configured ({})",
            calibration.version(), MatcherConfig.CALIBRATION_FILE);
      }
      return new DualRetrievalMatcher(config.model(), index, new GeometricVerifier(config.verifier()),
          new FusedScorer(calibration), policy, config.retrieval(), clock);
    } catch (RuntimeException e) {
      index.close();
      throw e;
    }
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

  /** Stops the stream threads first, so no record is mid-match when the index closes. */
  @Override
  public void close() {
    try {
      runtime.close();
    } finally {
      matcher.close();
    }
  }

  public static void main(String[] args) throws InterruptedException {
    MatcherConfig config = MatcherConfig.fromEnvironment();
    if (config.schemaRegistryUrl() == null) {
      throw new InvalidConfigException(java.util.List.of(MatcherConfig.SCHEMA_REGISTRY_URL + " is required to run the service"));
    }
    HttpSchemaRegistry registry = new HttpSchemaRegistry(HttpSchemaRegistry.Settings.of(config.schemaRegistryUrl()));
    MatcherService service = start(config, registry);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      service.close();
      registry.close();
      stopped.countDown();
    }, "matcher-shutdown"));
    stopped.await();
  }
}
