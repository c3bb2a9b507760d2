package io.doppel.extractor.service;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.topology.config.ConfigReader;
import io.doppel.topology.config.KafkaConnection;
import io.doppel.topology.config.SchemaRegistryConnection;
import io.doppel.topology.ops.Deployment;
import io.doppel.topology.runtime.StreamsRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How the extractor service runs and reaches Kafka and the registry (what it does to images is {@link
 * ExtractorConfig}): {@code kafka.*}, {@code schema-registry.*}, {@code ops.port} and {@code extractor.application-id},
 * {@code extractor.data-dir}, {@code extractor.batch-max-wait-ms}, {@code extractor.stream-threads}, {@code
 * extractor.commit-interval-ms}. Every setting is listed in docs/configuration.md.
 */
public record ServiceSettings(
    KafkaConnection kafka,
    HttpSchemaRegistry.Settings schemaRegistry,
    String applicationId,
    Path dataDirectory,
    Duration batchMaxWait,
    int streamThreads,
    Duration commitInterval,
    int opsPort) {

  private static final int MAX_PORT = 65_535;

  /** Both of the service's configurations from {@code environment}, every problem of either reported at once. */
  public record Both(ServiceSettings service, ExtractorConfig extractor) {}

  public static Both fromEnvironment(Map<String, String> environment) {
    return ConfigReader.readProgram(
        ExtractorConfig.PROGRAM,
        environment,
        reader -> new Both(read(reader), ExtractorConfig.read(reader)));
  }

  /** The service settings from {@code reader}; problems are left in the reader. */
  public static ServiceSettings read(ConfigReader reader) {
    KafkaConnection kafka = KafkaConnection.read(reader);
    HttpSchemaRegistry.Settings registry = SchemaRegistryConnection.read(reader);
    int port = reader.integer("ops.port", Deployment.OPS_PORT, 0, MAX_PORT);
    ConfigReader r = reader.section(ExtractorConfig.PROGRAM);
    return new ServiceSettings(
        kafka,
        registry,
        r.string("application-id", Deployment.EXTRACTOR_APPLICATION_ID),
        r.path("data-dir", Path.of("data/extractor")),
        r.millis(
            "batch-max-wait-ms",
            Duration.ofMillis(20),
            Duration.ofMillis(1),
            Duration.ofMinutes(1)),
        r.integer("stream-threads", 1, 1, 64),
        r.millis(
            "commit-interval-ms",
            StreamsRuntime.DEFAULT_COMMIT_INTERVAL,
            Duration.ofMillis(1),
            Duration.ofMinutes(1)),
        port);
  }
}
