package io.doppel.topology.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DoppelMeterTest {

  /** Alerts and dashboards use prometheusName(); it must be what the registry really exposes. */
  @ParameterizedTest
  @EnumSource(DoppelMeter.class)
  void prometheusNameIsTheSeriesTheRegistryExposes(DoppelMeter meter) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    register(meter, registry);

    assertThat(registry.scrape())
        .containsPattern("(?m)^" + meter.prometheusName() + "(_count|_sum)?\\{");
    registry.close();
  }

  @Test
  void namesAreUniqueAndPrefixed() {
    assertThat(DoppelMeter.values())
        .extracting(DoppelMeter::prometheusName)
        .doesNotHaveDuplicates()
        .allMatch(name -> name.startsWith("doppel_"));
  }

  private static void register(DoppelMeter meter, MeterRegistry registry) {
    String[] tags = meter.tagKeys().stream()
        .flatMap(key -> java.util.stream.Stream.of(key, "x"))
        .toArray(String[]::new);
    switch (meter.kind()) {
      case COUNTER ->
        Counter.builder(meter.meterName()).tags(tags).register(registry).increment();
      case TIMER ->
        Timer.builder(meter.meterName()).tags(tags).register(registry).record(Duration.ofMillis(1));
      case DISTRIBUTION ->
        DistributionSummary.builder(meter.meterName())
            .tags(tags)
            .register(registry)
            .record(8);
      case GAUGE -> Gauge.builder(meter.meterName(), () -> 1).tags(tags).register(registry);
    }
  }
}
