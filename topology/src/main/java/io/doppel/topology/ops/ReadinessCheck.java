package io.doppel.topology.ops;

import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One named condition a service needs before it takes traffic, such as "kafka-streams" or
 * "milvus". A check that throws counts as not ready.
 */
public record ReadinessCheck(String name, BooleanSupplier ready) {

  public ReadinessCheck {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(ready, "ready");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a readiness check needs a name");
    }
  }

  public static final String KAFKA_STREAMS = "kafka-streams";

  /**
   * Ready while the streams client is RUNNING or REBALANCING: a rebalance is routine and must not
   * take every pod out of service at once.
   */
  public static ReadinessCheck kafkaStreams(KafkaStreams streams) {
    Objects.requireNonNull(streams, "streams");
    return new ReadinessCheck(KAFKA_STREAMS, () -> isServing(streams.state()));
  }

  static boolean isServing(KafkaStreams.State state) {
    return state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
  }

  /** Evaluates the check; an exception is reported as not ready instead of failing the probe. */
  public boolean isReady() {
    try {
      return ready.getAsBoolean();
    } catch (RuntimeException e) {
      return false;
    }
  }
}
