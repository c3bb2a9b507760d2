package io.doppel.topology.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BooleanSupplier;

/**
 * The meters of {@link DoppelMeter}, built with the right name, kind and tags, so that a service
 * cannot register a series that alerts and dashboards do not know. Micrometer returns the same
 * meter for the same name and tags, so callers may look meters up per event.
 */
public final class DoppelMeters {

  /** Devices {@link #modelDevice(String)} reports, one series each. */
  public static final List<String> DEVICES =
      List.of(DoppelMeter.DEVICE_GPU, DoppelMeter.DEVICE_CPU);

  /**
   * The decision-latency SLO: {@link #DECISION_SLO_OBJECTIVE} of the decisions within this
   * (over 30 days; the alert rules in deploy/prometheus/alerts.yml read the bucket with this
   * upper bound, so it must stay one of {@link #DECISION_LATENCY_BUCKETS}).
   */
  public static final Duration DECISION_SLO_THRESHOLD = Duration.ofSeconds(2);

  /** The share of decisions the SLO promises within {@link #DECISION_SLO_THRESHOLD}. */
  public static final double DECISION_SLO_OBJECTIVE = 0.99;

  /**
   * Upper bounds of the decision-latency histogram: few and fixed (one series each per decision
   * and pod), from a commit interval's worth up to a backlog of minutes.
   */
  public static final List<Duration> DECISION_LATENCY_BUCKETS = List.of(
      Duration.ofMillis(100),
      Duration.ofMillis(250),
      Duration.ofMillis(500),
      Duration.ofSeconds(1),
      DECISION_SLO_THRESHOLD,
      Duration.ofSeconds(5),
      Duration.ofSeconds(10),
      Duration.ofSeconds(30),
      Duration.ofMinutes(1),
      Duration.ofMinutes(5),
      Duration.ofMinutes(15));

  private final MeterRegistry registry;
  private final ConcurrentMap<String, Boolean> deviceInUse = new ConcurrentHashMap<>();

  public DoppelMeters(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** Counts one image ending with {@code outcome} (e.g. "features", "duplicate", "clean"). */
  public Counter images(String outcome) {
    return counter(DoppelMeter.IMAGES, outcome);
  }

  /** Times one pipeline stage ("fetch", "decode", "global", "local", "search", "verify", ...). */
  public Timer stage(String stage) {
    return timer(DoppelMeter.STAGE, stage);
  }

  /** Records the images of each model batch on {@code device}. */
  public DistributionSummary batchSize(String device) {
    return DistributionSummary.builder(DoppelMeter.BATCH_SIZE.meterName())
        .description(DoppelMeter.BATCH_SIZE.description())
        .tags(tags(DoppelMeter.BATCH_SIZE, device))
        .publishPercentileHistogram()
        .register(registry);
  }

  /** Counts a record sent to the dead-letter topic for {@code reason}. */
  public Counter deadLetters(String reason) {
    return counter(DoppelMeter.DEAD_LETTERS, reason);
  }

  /** Times one vector-index call; {@code outcome} is "success" or "error". */
  public Timer indexCall(String operation, String outcome) {
    return timer(DoppelMeter.INDEX_CALL, operation, outcome);
  }

  /**
   * Records one upload's time to its decision ({@code decidedAt - uploadedAt}), tagged with the
   * decision. A negative difference (an uploader's clock ahead of the matcher's) counts as zero.
   */
  public void decisionLatency(String decision, Duration uploadToDecision) {
    Timer.builder(DoppelMeter.DECISION_LATENCY.meterName())
        .description(DoppelMeter.DECISION_LATENCY.description())
        .tags(tags(DoppelMeter.DECISION_LATENCY, decision))
        .serviceLevelObjectives(DECISION_LATENCY_BUCKETS.toArray(Duration[]::new))
        .register(registry)
        .record(uploadToDecision.isNegative() ? Duration.ZERO : uploadToDecision);
  }

  public Counter indexErrors(String operation) {
    return counter(DoppelMeter.INDEX_ERRORS, operation);
  }

  /** Reports the device the model runs on: 1 for it, 0 for every other of {@link #DEVICES}. */
  public void modelDevice(String device) {
    if (!DEVICES.contains(device)) {
      throw new IllegalArgumentException("device must be one of " + DEVICES + ", got " + device);
    }
    for (String candidate : DEVICES) {
      deviceInUse.put(candidate, candidate.equals(device));
      Gauge.builder(
              DoppelMeter.MODEL_DEVICE.meterName(),
              deviceInUse,
              states -> states.getOrDefault(candidate, false) ? 1 : 0)
          .description(DoppelMeter.MODEL_DEVICE.description())
          .tags(tags(DoppelMeter.MODEL_DEVICE, candidate))
          .register(registry);
    }
  }

  /**
   * Exposes whether the circuit breaker of {@code dependency} is open (for resilience4j:
   * {@code () -> breaker.getState() == CircuitBreaker.State.OPEN}). The supplier is read at each
   * scrape and must stay cheap.
   */
  public void circuitBreaker(String dependency, BooleanSupplier open) {
    Objects.requireNonNull(open, "open");
    Gauge.builder(
            DoppelMeter.CIRCUIT_BREAKER_OPEN.meterName(),
            open,
            supplier -> supplier.getAsBoolean() ? 1 : 0)
        .description(DoppelMeter.CIRCUIT_BREAKER_OPEN.description())
        .tags(tags(DoppelMeter.CIRCUIT_BREAKER_OPEN, dependency))
        .strongReference(true)
        .register(registry);
  }

  private Counter counter(DoppelMeter meter, String... tagValues) {
    return Counter.builder(meter.meterName())
        .description(meter.description())
        .tags(tags(meter, tagValues))
        .register(registry);
  }

  private Timer timer(DoppelMeter meter, String... tagValues) {
    return Timer.builder(meter.meterName())
        .description(meter.description())
        .tags(tags(meter, tagValues))
        .publishPercentileHistogram()
        .register(registry);
  }

  private static String[] tags(DoppelMeter meter, String... values) {
    List<String> keys = meter.tagKeys();
    if (values.length != keys.size()) {
      throw new IllegalArgumentException(
          meter.meterName() + " takes tags " + keys + ", got " + values.length + " values");
    }
    String[] tags = new String[keys.size() * 2];
    for (int i = 0; i < keys.size(); i++) {
      tags[2 * i] = keys.get(i);
      tags[2 * i + 1] = Objects.requireNonNull(values[i], keys.get(i));
    }
    return tags;
  }
}
