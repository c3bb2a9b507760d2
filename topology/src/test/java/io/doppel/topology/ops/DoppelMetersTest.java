package io.doppel.topology.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DoppelMetersTest {

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final DoppelMeters meters = new DoppelMeters(registry);

  @AfterEach
  void close() {
    registry.close();
  }

  @Test
  void everyMeterOfTheTableCanBeRegisteredAndIsScrapedUnderItsPrometheusName() {
    meters.images("features").increment();
    meters.stage("decode").record(Duration.ofMillis(5));
    meters.batchSize(DoppelMeter.DEVICE_GPU).record(32);
    meters.deadLetters("undecodable-image").increment(2);
    meters.modelDevice(DoppelMeter.DEVICE_GPU);
    meters.indexCall("search", "success").record(Duration.ofMillis(3));
    meters.indexErrors("search").increment();
    meters.circuitBreaker("milvus", () -> false);
    meters.decisionLatency("CLEAN", Duration.ofMillis(400));

    String scrape = registry.scrape();

    for (DoppelMeter meter : DoppelMeter.values()) {
      assertThat(scrape)
          .as(meter.name())
          .containsPattern("(?m)^" + meter.prometheusName() + "(_bucket|_count|_sum)?\\{");
    }
    assertThat(scrape)
        .contains("doppel_dead_letters_total{reason=\"undecodable-image\"} 2.0")
        .contains("doppel_stage_seconds_bucket{stage=\"decode\"");
  }

  /** The SLO's good events are the bucket at the threshold: it must exist, with exactly that bound. */
  @Test
  void decisionLatencyHasABucketAtTheSloThresholdAndCountsClockSkewAsZero() {
    meters.decisionLatency("CLEAN", Duration.ofMillis(1999));
    meters.decisionLatency("CLEAN", Duration.ofMillis(2001));
    meters.decisionLatency("CLEAN", Duration.ofMillis(-50));

    String scrape = registry.scrape();

    assertThat(DoppelMeters.DECISION_LATENCY_BUCKETS).contains(DoppelMeters.DECISION_SLO_THRESHOLD);
    assertThat(scrape)
        .contains("doppel_decision_latency_seconds_bucket{decision=\"CLEAN\",le=\"0.1\"} 1")
        .contains("doppel_decision_latency_seconds_bucket{decision=\"CLEAN\",le=\"2.0\"} 2")
        .contains("doppel_decision_latency_seconds_bucket{decision=\"CLEAN\",le=\"5.0\"} 3")
        .contains("doppel_decision_latency_seconds_count{decision=\"CLEAN\"} 3");
  }

  @Test
  void modelDeviceReportsOnlyTheDeviceInUse() {
    meters.modelDevice(DoppelMeter.DEVICE_GPU);
    meters.modelDevice(DoppelMeter.DEVICE_CPU);

    String scrape = registry.scrape();

    assertThat(scrape)
        .contains("doppel_model_device{device=\"cpu\"} 1.0")
        .contains("doppel_model_device{device=\"gpu\"} 0.0");
    assertThatIllegalArgumentException().isThrownBy(() -> meters.modelDevice("tpu"));
  }

  @Test
  void circuitBreakerGaugeFollowsTheBreakerAtEachScrape() {
    AtomicBoolean open = new AtomicBoolean(false);
    meters.circuitBreaker("milvus", open::get);

    String closed = registry.scrape();
    open.set(true);
    String opened = registry.scrape();

    assertThat(closed).contains("doppel_circuit_breaker_open{dependency=\"milvus\"} 0.0");
    assertThat(opened).contains("doppel_circuit_breaker_open{dependency=\"milvus\"} 1.0");
  }
}
