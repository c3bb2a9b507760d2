package io.doppel.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class StreamsRuntimeConfigTest {

  private static final String SECRET = "s3cr3t-jaas";
  private final StreamsRuntimeConfig base =
      StreamsRuntimeConfig.of("127.0.0.1:9092", "doppel-test", Path.of("state"));

  @Test
  void theRuntimeAlwaysRunsExactlyOnceAndReadsCommittedData() {
    Properties p = StreamsRuntime.properties(base.withMaxBlocking(Duration.ofMinutes(4)));
    assertThat(p)
        .containsEntry("processing.guarantee", "exactly_once_v2")
        .containsEntry("consumer.isolation.level", "read_committed")
        .containsEntry("application.id", "doppel-test")
        .containsEntry(
            "consumer.max.poll.interval.ms", (int) Duration.ofMinutes(8).toMillis())
        .containsEntry(
            "producer.transaction.timeout.ms", (int) Duration.ofMinutes(8).toMillis());
  }

  @Test
  void commitsEvery25MillisecondsUnlessOverridden() {
    // each hop's output is visible downstream only at its transaction's commit: the interval is
    // latency
    assertThat(StreamsRuntime.properties(base)).containsEntry("commit.interval.ms", 25L);
    assertThat(StreamsRuntime.properties(base.withOverrides(Map.of("commit.interval.ms", "200"))))
        .containsEntry("commit.interval.ms", "200");
  }

  @Test
  void securitySettingsPassThroughButNeverShowInItsString() {
    var config = base.withSecurity(Map.of(
        "security.protocol", "SASL_SSL", "sasl.mechanism", "PLAIN", "sasl.jaas.config", SECRET));
    assertThat(StreamsRuntime.properties(config)).containsEntry("sasl.jaas.config", SECRET);
    assertThat(config.toString()).doesNotContain(SECRET).contains("SASL_SSL");
  }

  @Test
  void configRejectsWhatWouldWeakenTheGuaranteeOrIsNotSecurity() {
    assertThatThrownBy(() -> base.withOverrides(Map.of("processing.guarantee", "at_least_once")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("processing.guarantee");
    assertThatThrownBy(() -> base.withSecurity(Map.of("acks", "1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("acks");
    assertThatThrownBy(() -> StreamsRuntimeConfig.of(" ", "app", Path.of("s")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bootstrapServers");
    assertThatThrownBy(() -> base.withStreamThreads(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("streamThreads");
  }
}
