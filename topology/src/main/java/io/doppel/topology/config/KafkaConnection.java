package io.doppel.topology.config;

import java.util.Map;

/**
 * How a program reaches Kafka: {@code kafka.bootstrap-servers} and the client security settings of {@link
 * ConfigReader#kafkaSecurity()}. {@link #toString()} names the security keys, never their values.
 */
public record KafkaConnection(String bootstrapServers, Map<String, String> security) {

  public static final String BOOTSTRAP_SERVERS = "kafka.bootstrap-servers";

  public KafkaConnection {
    security = Map.copyOf(security);
  }

  /** Reads both from {@code reader}; a missing bootstrap list is a problem. */
  public static KafkaConnection read(ConfigReader reader) {
    return new KafkaConnection(reader.required(BOOTSTRAP_SERVERS), reader.kafkaSecurity());
  }

  @Override
  public String toString() {
    return "KafkaConnection[bootstrapServers=" + bootstrapServers + ", security="
        + security.keySet() + "]";
  }
}
