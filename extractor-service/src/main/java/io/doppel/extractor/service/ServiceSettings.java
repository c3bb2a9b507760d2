package io.doppel.extractor.service;

import io.doppel.extractor.config.ConfigException;
import io.doppel.topology.ops.Deployment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

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
 * DOPPEL_OPS_PORT                        default 8080: /health/live, /health/ready, /metrics
 * DOPPEL_KAFKA_SECURITY_PROTOCOL, DOPPEL_KAFKA_SASL_*, DOPPEL_KAFKA_SSL_*   passed as security.protocol, sasl.*, ssl.*
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
    int opsPort,
    Map<String, String> kafkaSecurity) {

  private static final String KAFKA_SECURITY_PREFIX = "DOPPEL_KAFKA_";
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
    int port = (int) number(env, "DOPPEL_OPS_PORT", Deployment.OPS_PORT, 0, MAX_PORT, problems);
    Map<String, String> security = new TreeMap<>();
    env.forEach((name, value) -> {
      if (name.startsWith(KAFKA_SECURITY_PREFIX) && !name.equals("DOPPEL_KAFKA_BOOTSTRAP_SERVERS")) {
        String key = name.substring(KAFKA_SECURITY_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
        if (key.equals("security.protocol") || key.startsWith("sasl.") || key.startsWith("ssl.")) {
          security.put(key, value);
        } else {
          problems.add(name + " is not a Kafka security setting (DOPPEL_KAFKA_SECURITY_PROTOCOL, DOPPEL_KAFKA_SASL_*, DOPPEL_KAFKA_SSL_*)");
        }
      }
    });
    if (!problems.isEmpty()) {
      throw new ConfigException("invalid extractor service settings:\n  " + String.join("\n  ", problems), null);
    }
    return new ServiceSettings(bootstrap, registry, env.get("DOPPEL_SCHEMA_REGISTRY_AUTH"),
        env.getOrDefault("DOPPEL_EXTRACTOR_APPLICATION_ID", Deployment.EXTRACTOR_APPLICATION_ID),
        Path.of(env.getOrDefault("DOPPEL_EXTRACTOR_DATA_DIR", "data/extractor")),
        Duration.ofMillis(maxWaitMs), threads, port, security);
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
