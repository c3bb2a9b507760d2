package io.doppel.topology.deadletter;

import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.topology.ops.DoppelMeter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;

/**
 * Counts dead letters per reason, twice: as the Micrometer counter {@link DoppelMeter#DEAD_LETTERS}
 * (tag {@code reason} = the DeadLetterReason's name) in the registry the topology was built with,
 * and as Kafka Streams metrics, which every exporter of Streams metrics (JMX, Micrometer's
 * KafkaStreamsMetrics) and the TopologyTestDriver see: group {@value #GROUP}, name {@code
 * <reason>-total} (and {@code -rate}), tags {@code thread-id} and {@code doppel-dead-letters-id =
 * <stage>-<task id>}. One counter per processor instance; {@link #close()} removes its sensors.
 */
public final class PoisonCounter implements AutoCloseable {

  public static final String SCOPE = "doppel-dead-letters";
  public static final String GROUP = "stream-" + SCOPE + "-metrics";

  private final StreamsMetrics metrics;
  private final String entity;
  private final MeterRegistry meters;
  private final Map<DeadLetterReason, Sensor> sensors = new EnumMap<>(DeadLetterReason.class);

  public PoisonCounter(StreamsMetrics metrics, MeterRegistry meters, String stage, String taskId) {
    this.metrics = metrics;
    this.meters = meters;
    this.entity = stage + "-" + taskId;
  }

  public static String metricName(DeadLetterReason reason) {
    return operation(reason) + "-total";
  }

  public void count(DeadLetterReason reason) {
    sensors
        .computeIfAbsent(
            reason,
            r ->
                metrics.addRateTotalSensor(SCOPE, entity, operation(r), Sensor.RecordingLevel.INFO))
        .record();
    Counter.builder(DoppelMeter.DEAD_LETTERS.meterName())
        .description(DoppelMeter.DEAD_LETTERS.description())
        .tag("reason", reason.name())
        .register(meters)
        .increment();
  }

  private static String operation(DeadLetterReason reason) {
    return reason.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  @Override
  public void close() {
    sensors.values().forEach(metrics::removeSensor);
    sensors.clear();
  }
}
