package io.doppel.topology.deadletter;

import io.doppel.schemas.avro.DeadLetterReason;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;

/**
 * Counts dead letters per reason as Kafka Streams metrics, so every exporter of Streams metrics
 * (JMX, Micrometer's KafkaStreamsMetrics) sees them: group {@value #GROUP}, name
 * {@code <reason>-total} (and {@code -rate}), tags {@code thread-id} and {@code doppel-dead-letters-id =
 * <stage>-<task id>}. One counter per processor instance; {@link #close()} removes its sensors.
 */
public final class PoisonCounter implements AutoCloseable {

  public static final String SCOPE = "doppel-dead-letters";
  public static final String GROUP = "stream-" + SCOPE + "-metrics";

  private final StreamsMetrics metrics;
  private final String entity;
  private final Map<DeadLetterReason, Sensor> sensors = new EnumMap<>(DeadLetterReason.class);

  public PoisonCounter(StreamsMetrics metrics, String stage, String taskId) {
    this.metrics = metrics;
    this.entity = stage + "-" + taskId;
  }

  public static String metricName(DeadLetterReason reason) {
    return operation(reason) + "-total";
  }

  public void count(DeadLetterReason reason) {
    sensors.computeIfAbsent(reason, r -> metrics.addRateTotalSensor(
        SCOPE, entity, operation(r), Sensor.RecordingLevel.INFO)).record();
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
