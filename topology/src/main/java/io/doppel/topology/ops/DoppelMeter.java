package io.doppel.topology.ops;

import java.util.List;
import java.util.Locale;

/**
 * The table of meters the services register. Code builds meters from {@link #meterName()};
 * alerts and dashboards query {@link #prometheusName()}, which is the name Micrometer's
 * Prometheus registry exposes (dots become underscores, counters end in {@code _total}, timers in
 * {@code _seconds}).
 */
public enum DoppelMeter {
  IMAGES("doppel.images", Kind.COUNTER, "Images processed, by outcome.", "outcome"),
  STAGE("doppel.stage", Kind.TIMER, "Latency of one pipeline stage.", "stage"),
  BATCH_SIZE("doppel.batch.size", Kind.DISTRIBUTION, "Images per model batch.", "device"),
  DEAD_LETTERS(
      "doppel.dead.letters", Kind.COUNTER, "Records sent to the dead-letter topic.", "reason"),
  MODEL_DEVICE(
      "doppel.model.device",
      Kind.GAUGE,
      "1 for the device the model runs on, 0 otherwise.",
      "device"),
  INDEX_CALL(
      "doppel.index.call", Kind.TIMER, "Latency of vector-index calls.", "operation", "outcome"),
  INDEX_ERRORS("doppel.index.errors", Kind.COUNTER, "Failed vector-index calls.", "operation"),
  CIRCUIT_BREAKER_OPEN(
      "doppel.circuit.breaker.open",
      Kind.GAUGE,
      "1 while a dependency's circuit is open.",
      "dependency"),
  /**
   * Upload to decision: a MatchEvent's {@code decidedAt - uploadedAt}, recorded by the matcher
   * for every event of trigger UPLOAD (a retro-scan's uploadedAt is the earlier upload's). Its
   * buckets are {@link DoppelMeters#DECISION_LATENCY_BUCKETS}; the SLO reads the bucket at
   * {@link DoppelMeters#DECISION_SLO_THRESHOLD}.
   */
  DECISION_LATENCY(
      "doppel.decision.latency", Kind.TIMER, "Time from an upload to its decision.", "decision");

  /** How a meter is registered, which fixes the suffix of its Prometheus name. */
  public enum Kind {
    COUNTER("_total"),
    TIMER("_seconds"),
    DISTRIBUTION(""),
    GAUGE("");

    private final String prometheusSuffix;

    Kind(String prometheusSuffix) {
      this.prometheusSuffix = prometheusSuffix;
    }
  }

  /** Values of {@code device} on {@link #MODEL_DEVICE} and {@link #BATCH_SIZE}. */
  public static final String DEVICE_GPU = "gpu";

  public static final String DEVICE_CPU = "cpu";

  private final String meterName;
  private final Kind kind;
  private final String description;
  private final List<String> tagKeys;

  DoppelMeter(String meterName, Kind kind, String description, String... tagKeys) {
    this.meterName = meterName;
    this.kind = kind;
    this.description = description;
    this.tagKeys = List.of(tagKeys);
  }

  /** The Micrometer name to register under. */
  public String meterName() {
    return meterName;
  }

  public Kind kind() {
    return kind;
  }

  public String description() {
    return description;
  }

  /** The tag keys the meter carries besides the common {@link Deployment#APPLICATION_TAG}. */
  public List<String> tagKeys() {
    return tagKeys;
  }

  /** The series name in Prometheus (for timers, the base of _count, _sum and _bucket). */
  public String prometheusName() {
    return meterName.replace('.', '_').toLowerCase(Locale.ROOT) + kind.prometheusSuffix;
  }
}
