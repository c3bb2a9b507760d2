package io.doppel.topology.ops;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One named condition of a service's health, such as "kafka-streams" or "milvus". Readiness
 * checks say whether a pod should take work; liveness checks whether it must be restarted. A
 * check that throws counts as failing.
 */
public record HealthCheck(String name, BooleanSupplier up) {

  public static final String KAFKA_STREAMS = "kafka-streams";

  /** States a streams client does not leave without a restart. */
  private static final Set<KafkaStreams.State> DEAD = EnumSet.of(
      KafkaStreams.State.PENDING_ERROR, KafkaStreams.State.ERROR, KafkaStreams.State.NOT_RUNNING);

  public HealthCheck {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(up, "up");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a health check needs a name");
    }
  }

  /**
   * Readiness: the streams client is RUNNING or REBALANCING. A rebalance is routine and must not
   * take every pod out of service at once.
   */
  public static HealthCheck kafkaStreamsServing(KafkaStreams streams) {
    Objects.requireNonNull(streams, "streams");
    return new HealthCheck(KAFKA_STREAMS, () -> isServing(streams.state()));
  }

  /** Liveness: the streams client has not failed for good (a replaced thread is still alive). */
  public static HealthCheck kafkaStreamsAlive(KafkaStreams streams) {
    Objects.requireNonNull(streams, "streams");
    return new HealthCheck(KAFKA_STREAMS, () -> isAlive(streams.state()));
  }

  static boolean isServing(KafkaStreams.State state) {
    return state == KafkaStreams.State.RUNNING || state == KafkaStreams.State.REBALANCING;
  }

  static boolean isAlive(KafkaStreams.State state) {
    return !DEAD.contains(state);
  }

  /** Evaluates the check; an exception is reported as failing instead of failing the probe. */
  public boolean isUp() {
    try {
      return up.getAsBoolean();
    } catch (RuntimeException e) {
      return false;
    }
  }
}
