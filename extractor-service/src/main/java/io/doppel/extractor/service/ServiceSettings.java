package io.doppel.extractor.service;

import io.doppel.extractor.config.ConfigException;
import io.doppel.topology.ops.Deployment;
import io.doppel.topology.runtime.KafkaSecurityEnvironment;
import io.doppel.topology.runtime.StreamsRuntime;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How the extractor service connects to Kafka and the registry (the image work is {@code
 * ExtractorConfig}). Environment only: these hold endpoints and secrets.
 *
 * <pre>
 * DOPPEL_KAFKA_BOOTSTRAP_SERVERS         required
 * DOPPEL_SCHEMA_REGISTRY_URL             required (Confluent-compatible REST API)
 * DOPPEL_SCHEMA_REGISTRY_AUTH            optional: user:password (basic) or a bearer token prefixed "Bearer "
 * DOPPEL_EXTRACTOR_APPLICATION_ID        default doppel-extractor
 * DOPPEL_EXTRACTOR_DATA_DIR              default data/extractor (Kafka Streams state: the batch buffer)
 * DOPPEL_EXTRACTOR_BATCH_MAX_WAIT_MS     default 20: longest an upload waits for its micro-batch to fill
 * DOPPEL_EXTRACTOR_STREAM_THREADS        default 1
 * DOPPEL_EXTRACTOR_COMMIT_INTERVAL_MS    default 25: Streams commit interval; features reach the matcher at a commit
 * DOPPEL_OPS_PORT                        default 8080: /health/live, /health/ready, /metrics
 * DOPPEL_KAFKA_SECURITY_PROTOCOL, DOPPEL_KAFKA_SASL_*, DOPPEL_KAFKA_SSL_*   passed as security.protocol, sasl.*, ssl.*;
 *     each may instead be given as a mounted file with the suffix _FILE (see KafkaSecurityEnvironment)
 * </pre>
 */
public record ServiceSettings(
    String bootstrapServers,
    String schemaRegistryUrl,
    String schemaRegistryAuth,
    String applicationId,
    Path dataDirectory,
    Duration batchMaxWait,
    int streamThreads,
    Duration commitInterval,
    int opsPort,
    Map<String, String> kafkaSecurity) {

  private static final int MAX_PORT = 65_535;

  public ServiceSettings {
    kafkaSecurity = Map.copyOf(kafkaSecurity);
  }

  public static ServiceSettings fromEnvironment(Map<String, String> env) {
    List<String> problems = new ArrayList<>();
    String bootstrap = env.get("DOPPEL_KAFKA_BOOTSTRAP_SERVERS");
    String registry = env.get("DOPPEL_SCHEMA_REGISTRY_URL");
    if (bootstrap == null || bootstrap.isBlank()) {
      problems.add("DOPPEL_KAFKA_BOOTSTRAP_SERVERS is required (host:port[,host:port])");
    }
    if (registry == null || registry.isBlank()) {
      problems.add("DOPPEL_SCHEMA_REGISTRY_URL is required (e.g. http://registry:8081)");
    }
    long maxWaitMs = number(env, "DOPPEL_EXTRACTOR_BATCH_MAX_WAIT_MS", 20, 1, 60_000, problems);
    int threads = (int) number(env, "DOPPEL_EXTRACTOR_STREAM_THREADS", 1, 1, 64, problems);
    long commitIntervalMs = number(env, "DOPPEL_EXTRACTOR_COMMIT_INTERVAL_MS",
        StreamsRuntime.DEFAULT_COMMIT_INTERVAL.toMillis(), 1, 60_000, problems);
    int port = (int) number(env, "DOPPEL_OPS_PORT", Deployment.OPS_PORT, 0, MAX_PORT, problems);
    Map<String, String> security = KafkaSecurityEnvironment.read(env, problems);
    String registryAuth = secret(env, "DOPPEL_SCHEMA_REGISTRY_AUTH", problems);
    if (!problems.isEmpty()) {
      throw new ConfigException("invalid extractor service settings:\n  " + String.join("\n  ", problems), null);
    }
    return new ServiceSettings(bootstrap, registry, registryAuth,
        env.getOrDefault("DOPPEL_EXTRACTOR_APPLICATION_ID", Deployment.EXTRACTOR_APPLICATION_ID),
        Path.of(env.getOrDefault("DOPPEL_EXTRACTOR_DATA_DIR", "data/extractor")),
        Duration.ofMillis(maxWaitMs), threads, Duration.ofMillis(commitIntervalMs), port, security);
  }

  /** {@code name} from the environment, or the content of the file {@code name_FILE} names; registered for log redaction. */
  private static String secret(Map<String, String> env, String name, List<String> problems) {
    String value = env.get(name);
    String file = env.get(name + KafkaSecurityEnvironment.FILE_SUFFIX);
    if (value != null && file != null) {
      problems.add("set " + name + " or " + name + KafkaSecurityEnvironment.FILE_SUFFIX + ", not both");
      return null;
    }
    if (file != null) {
      try {
        value = KafkaSecurityEnvironment.stripTrailingLineBreak(Files.readString(Path.of(file), StandardCharsets.UTF_8));
      } catch (IOException | RuntimeException e) {
        problems.add(name + KafkaSecurityEnvironment.FILE_SUFFIX + "=" + file + " cannot be read: " + e.getClass().getSimpleName());
        return null;
      }
    }
    if (value != null) {
      KafkaSecurityEnvironment.registerForRedaction(value);
    }
    return value;
  }

  private static long number(Map<String, String> env, String name, long fallback, long min, long max, List<String> problems) {
    String raw = env.get(name);
    if (raw == null || raw.isBlank()) {
      return fallback;
    }
    try {
      long value = Long.parseLong(raw.trim());
      if (value < min || value > max) {
        problems.add(name + " must be in [" + min + ", " + max + "], got " + value);
      }
      return value;
    } catch (NumberFormatException e) {
      problems.add(name + " must be a whole number, got '" + raw + "'");
      return fallback;
    }
  }

  /** Never prints secret values: only the security keys that are set. */
  @Override
  public String toString() {
    return "ServiceSettings[bootstrapServers=" + bootstrapServers + ", schemaRegistryUrl=" + schemaRegistryUrl
        + ", schemaRegistryAuth=" + (schemaRegistryAuth == null ? "none" : "****") + ", applicationId=" + applicationId
        + ", dataDirectory=" + dataDirectory + ", batchMaxWait=" + batchMaxWait + ", streamThreads=" + streamThreads
        + ", opsPort=" + opsPort + ", kafkaSecurity=" + kafkaSecurity.keySet() + "]";
  }
}
