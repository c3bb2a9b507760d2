package io.doppel.image.fetch;

import io.doppel.topology.config.ConfigReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How images are fetched ({@link ImageFetcher}): the {@code fetch.*} settings of a program that fetches images, the
 * extractor's {@code extractor.fetch.*} and the review console's {@code review.fetch.*}, read the same way by {@link
 * #read}.
 *
 * @param deadline the longest one upload's fetch may take, all redirect hops, attempts and backoffs together; every
 *     upload of a batch shares its batch's, so the batch is fetched within it however many hosts stall. Kept well
 *     inside the transaction timeout (at most {@value #MAX_DEADLINE_SECONDS} s) so that a batch of stalling hosts
 *     cannot abort its transaction and replay forever
 * @param circuitMaxHosts the most hosts a circuit breaker is kept for (least recently used dropped first), so that
 *     unique host names cannot grow the breakers without bound
 */
public record FetchSettings(
    long maxBytes,
    Duration connectTimeout,
    Duration readTimeout,
    int maxRedirects,
    List<Path> fileRoots,
    boolean blockPrivateAddresses,
    List<String> allowList,
    int retryMaxAttempts,
    Duration retryInitialBackoff,
    float circuitFailureRatePercent,
    Duration circuitOpenDuration,
    Duration deadline,
    int circuitMaxHosts) {

  /** The longest {@code fetch.deadline-ms}: half the extractor's transaction timeout (2 · 60 s). */
  public static final long MAX_DEADLINE_SECONDS = 60;

  /** The program name {@link #of} reads overrides under (its keys are given without it: {@code fetch.max-bytes}). */
  private static final String OVERRIDES_PROGRAM = "image";

  public FetchSettings {
    fileRoots = List.copyOf(fileRoots);
    allowList = List.copyOf(allowList);
  }

  /** The {@code fetch.*} settings of {@code section}: the extractor's, or another program's that fetches images. */
  public static FetchSettings read(ConfigReader section) {
    ConfigReader r = section.section("fetch");
    return new FetchSettings(
        r.whole("max-bytes", 25L * 1024 * 1024, 1, Long.MAX_VALUE),
        r.millis(
            "connect-timeout-ms",
            Duration.ofSeconds(3),
            Duration.ofMillis(1),
            Duration.ofMinutes(10)),
        r.millis(
            "read-timeout-ms",
            Duration.ofSeconds(10),
            Duration.ofMillis(1),
            Duration.ofMinutes(10)),
        r.integer("max-redirects", 3, 0, 20),
        r.list("file-roots").stream()
            .map(root -> Path.of(root).toAbsolutePath().normalize())
            .toList(),
        r.bool("block-private-addresses", true),
        r.list("allow-list"),
        r.integer("retry.max-attempts", 3, 1, 10),
        r.millis(
            "retry.initial-backoff-ms",
            Duration.ofMillis(200),
            Duration.ofMillis(1),
            Duration.ofMinutes(1)),
        (float) r.decimal("circuit-breaker.failure-rate-percent", 50, 1, 100),
        r.millis(
            "circuit-breaker.open-ms",
            Duration.ofSeconds(30),
            Duration.ofMillis(1),
            Duration.ofHours(1)),
        r.millis(
            "deadline-ms",
            Duration.ofSeconds(20),
            Duration.ofMillis(1),
            Duration.ofSeconds(MAX_DEADLINE_SECONDS)),
        r.integer("circuit-breaker.max-hosts", 1024, 1, 1_000_000));
  }

  /** Defaults plus {@code overrides} keyed {@code fetch.max-bytes}, {@code fetch.file-roots}, ... (tools and tests). */
  public static FetchSettings of(Map<String, String> overrides) {
    ConfigReader reader = ConfigReader.ofOverrides(OVERRIDES_PROGRAM, overrides);
    FetchSettings settings = read(reader.section(OVERRIDES_PROGRAM));
    reader.finish();
    return settings;
  }

  /** These settings with {@code roots} added to the folders file:// sources may read (a command's input folders). */
  public FetchSettings withFileRoots(List<Path> roots) {
    List<Path> all = new ArrayList<>(fileRoots);
    roots.stream()
        .map(root -> root.toAbsolutePath().normalize())
        .filter(root -> !all.contains(root))
        .forEach(all::add);
    return new FetchSettings(
        maxBytes,
        connectTimeout,
        readTimeout,
        maxRedirects,
        all,
        blockPrivateAddresses,
        allowList,
        retryMaxAttempts,
        retryInitialBackoff,
        circuitFailureRatePercent,
        circuitOpenDuration,
        deadline,
        circuitMaxHosts);
  }
}
