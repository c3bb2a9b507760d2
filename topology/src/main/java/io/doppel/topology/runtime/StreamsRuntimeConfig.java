package io.doppel.topology.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * How a service connects its topology to Kafka. Validated on construction.
 *
 * @param bootstrapServers {@code host:port[,host:port...]}
 * @param applicationId the Streams application (consumer group, transactional ids, internal topics)
 * @param stateDirectory where state stores live
 * @param streamThreads stream threads of this instance
 * @param maxBlocking the longest a processor may hold one record (the matcher's retry budget)
 * @param closeTimeout how long {@link StreamsRuntime#close()} waits for the threads
 * @param security client security settings passed through unchanged: {@code security.protocol},
 *     {@code sasl.*}, {@code ssl.*} (values taken from the environment or mounted files by the
 *     caller; never printed)
 * @param overrides other Streams or client settings (e.g. {@code commit.interval.ms}); may not
 *     weaken the processing guarantee or replace the fields above
 */
public record StreamsRuntimeConfig(
    String bootstrapServers,
    String applicationId,
    Path stateDirectory,
    int streamThreads,
    Duration maxBlocking,
    Duration closeTimeout,
    Map<String, String> security,
    Map<String, String> overrides) {

  public static final Duration DEFAULT_MAX_BLOCKING = Duration.ofSeconds(60);
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private static final Pattern SECURITY_KEY =
      Pattern.compile("security\\.protocol|sasl\\..+|ssl\\..+");
  private static final Set<String> FIXED_KEYS = Set.of(
      "processing.guarantee",
      "isolation.level",
      "consumer.isolation.level",
      "main.consumer.isolation.level",
      "application.id",
      "bootstrap.servers",
      "state.dir",
      "num.stream.threads");
  private static final String MASK = "****";

  public StreamsRuntimeConfig {
    requireText(bootstrapServers, "bootstrapServers");
    requireText(applicationId, "applicationId");
    Objects.requireNonNull(stateDirectory, "stateDirectory");
    if (streamThreads < 1) {
      throw new IllegalArgumentException("streamThreads must be at least 1, got " + streamThreads);
    }
    requirePositive(maxBlocking, "maxBlocking");
    requirePositive(closeTimeout, "closeTimeout");
    security = Map.copyOf(security);
    overrides = Map.copyOf(overrides);
    var notSecurity = security.keySet().stream()
        .filter(k -> !SECURITY_KEY.matcher(k).matches())
        .sorted()
        .toList();
    if (!notSecurity.isEmpty()) {
      throw new IllegalArgumentException(
          "not security settings (security.protocol, sasl.*, ssl.*): " + notSecurity);
    }
    var fixed = overrides.keySet().stream()
        .filter(k -> FIXED_KEYS.contains(k) || SECURITY_KEY.matcher(k).matches())
        .sorted()
        .toList();
    if (!fixed.isEmpty()) {
      throw new IllegalArgumentException(
          "overrides may not set " + fixed
              + ": they are fields of this config or fixed by Doppel (exactly_once_v2, read_committed)");
    }
  }

  /** Defaults for everything but where to connect and what to call the application. */
  public static StreamsRuntimeConfig of(
      String bootstrapServers, String applicationId, Path stateDirectory) {
    return new StreamsRuntimeConfig(
        bootstrapServers,
        applicationId,
        stateDirectory,
        1,
        DEFAULT_MAX_BLOCKING,
        DEFAULT_CLOSE_TIMEOUT,
        Map.of(),
        Map.of());
  }

  public StreamsRuntimeConfig withStreamThreads(int threads) {
    return new StreamsRuntimeConfig(
        bootstrapServers,
        applicationId,
        stateDirectory,
        threads,
        maxBlocking,
        closeTimeout,
        security,
        overrides);
  }

  public StreamsRuntimeConfig withMaxBlocking(Duration blocking) {
    return new StreamsRuntimeConfig(
        bootstrapServers,
        applicationId,
        stateDirectory,
        streamThreads,
        blocking,
        closeTimeout,
        security,
        overrides);
  }

  public StreamsRuntimeConfig withSecurity(Map<String, String> settings) {
    return new StreamsRuntimeConfig(
        bootstrapServers,
        applicationId,
        stateDirectory,
        streamThreads,
        maxBlocking,
        closeTimeout,
        settings,
        overrides);
  }

  public StreamsRuntimeConfig withOverrides(Map<String, String> settings) {
    return new StreamsRuntimeConfig(
        bootstrapServers,
        applicationId,
        stateDirectory,
        streamThreads,
        maxBlocking,
        closeTimeout,
        security,
        settings);
  }

  /** Security values are masked: this string goes to logs. */
  @Override
  public String toString() {
    String maskedSecurity = security.keySet().stream()
        .sorted()
        .map(k -> k + "=" + (k.equals("security.protocol") ? security.get(k) : MASK))
        .collect(Collectors.joining(", ", "{", "}"));
    return "StreamsRuntimeConfig[bootstrapServers=" + bootstrapServers + ", applicationId="
        + applicationId
        + ", stateDirectory=" + stateDirectory + ", streamThreads=" + streamThreads
        + ", maxBlocking=" + maxBlocking + ", closeTimeout=" + closeTimeout
        + ", security=" + maskedSecurity + ", overrides=" + new TreeMap<>(overrides) + "]";
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }

  private static void requirePositive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
