package io.doppel.extractor.service;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.pipeline.PipelineFeatureExtractor;
import io.doppel.schemas.Topics;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.schemas.registry.SchemaRegistry;
import io.doppel.topology.extract.ExtractionTopology;
import io.doppel.topology.ops.OpsMetrics;
import io.doppel.topology.ops.OpsServer;
import io.doppel.topology.runtime.StreamsRuntime;
import io.doppel.topology.runtime.StreamsRuntimeConfig;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The extractor service: uploads → features, on GPU when configured (CPU otherwise), under
 * exactly-once Streams, with health and Prometheus metrics on the ops port.
 *
 * <pre>
 * features(upload) = descriptor(views(decode(fetch(upload)))) ⊕ orb(views(...)),  one micro-batch per model call
 * ready = streams RUNNING or REBALANCING;   alive = streams not failed
 * </pre>
 */
public final class ExtractorService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ExtractorService.class);

  private final OpsMetrics metrics;
  private final OpsServer ops;
  private final PipelineFeatureExtractor extractor;
  private final StreamsRuntime runtime;
  private final KafkaStreamsMetrics streamsMetrics;

  private ExtractorService(
      OpsMetrics metrics,
      OpsServer ops,
      PipelineFeatureExtractor extractor,
      StreamsRuntime runtime,
      KafkaStreamsMetrics streamsMetrics) {
    this.metrics = metrics;
    this.ops = ops;
    this.extractor = extractor;
    this.runtime = runtime;
    this.streamsMetrics = streamsMetrics;
  }

  /** Starts the ops endpoints first (so probes answer during the model load), then the topology. */
  public static ExtractorService start(
      ServiceSettings settings, ExtractorConfig config, SchemaRegistry registry) {
    LOG.info("starting the extractor with {}", settings);
    OpsMetrics metrics = OpsMetrics.forApplication(settings.applicationId());
    OpsServer ops = OpsServer.start(
        new OpsServer.Settings(
            OpsServer.Settings.ALL_INTERFACES,
            settings.opsPort(),
            OpsServer.Settings.DEFAULT_STOP_GRACE),
        metrics.registry());
    PipelineFeatureExtractor extractor = null;
    try {
      extractor = new PipelineFeatureExtractor(config);
      metrics.meters().modelDevice(extractor.device());
      LOG.info(
          "model {} v{} runs on {}",
          extractor.modelInfo().getId(),
          extractor.modelInfo().getVersion(),
          extractor.device());
      var topology = ExtractionTopology.build(
          Topics.using(registry),
          new MeteredExtractor(extractor, metrics.meters(), extractor.device()),
          ExtractionTopology.Settings.of(config.model().batchSize(), settings.batchMaxWait()),
          metrics.registry());
      StreamsRuntimeConfig streams = new StreamsRuntimeConfig(
          settings.kafka().bootstrapServers(),
          settings.applicationId(),
          settings.dataDirectory().resolve("streams"),
          settings.streamThreads(),
          StreamsRuntimeConfig.DEFAULT_MAX_BLOCKING,
          StreamsRuntimeConfig.DEFAULT_CLOSE_TIMEOUT,
          settings.kafka().security(),
          Map.of(
              StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
              String.valueOf(settings.commitInterval().toMillis())));
      StreamsRuntime runtime = StreamsRuntime.start(topology, streams);
      ops.watch(runtime.streams());
      return new ExtractorService(
          metrics, ops, extractor, runtime, metrics.bindKafkaStreams(runtime.streams()));
    } catch (RuntimeException e) {
      if (extractor != null) {
        extractor.close();
      }
      ops.close();
      metrics.close();
      throw e;
    }
  }

  public StreamsRuntime runtime() {
    return runtime;
  }

  /** The port the ops endpoints listen on (useful when configured as 0). */
  public int opsPort() {
    return ops.port();
  }

  public String device() {
    return extractor.device();
  }

  /** Stream threads first, so no batch is mid-extraction when the model closes. */
  @Override
  public void close() {
    try {
      runtime.close();
    } finally {
      streamsMetrics.close();
      extractor.close();
      ops.close();
      metrics.close();
    }
  }

  public static void main(String[] args) throws InterruptedException {
    ServiceSettings.Both config = ServiceSettings.fromEnvironment(System.getenv());
    HttpSchemaRegistry registry = new HttpSchemaRegistry(config.service().schemaRegistry());
    ExtractorService service = start(config.service(), config.extractor(), registry);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(new Thread(
            () -> {
              LOG.info("SIGTERM: stopping the extractor");
              service.close();
              registry.close();
              stopped.countDown();
            },
            "extractor-shutdown"));
    stopped.await();
  }

  /** How long to wait for the topology at start in tests and tools. */
  public static final Duration DEFAULT_START_WAIT = Duration.ofMinutes(2);
}
