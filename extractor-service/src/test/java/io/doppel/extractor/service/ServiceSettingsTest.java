package io.doppel.extractor.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.topology.config.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceSettingsTest {

  private static Map<String, String> minimal() {
    Map<String, String> env = new HashMap<>();
    env.put("DOPPEL_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
    env.put("DOPPEL_SCHEMA_REGISTRY_URL", "http://registry:8081");
    return env;
  }

  @Test
  void minimalEnvironmentGetsTheDocumentedDefaults() {
    ServiceSettings settings = ServiceSettings.fromEnvironment(minimal()).service();

    assertThat(settings.batchMaxWait()).isEqualTo(Duration.ofMillis(20));
    assertThat(settings.streamThreads()).isEqualTo(1);
    assertThat(settings.commitInterval()).isEqualTo(Duration.ofMillis(25));
    assertThat(settings.applicationId()).isEqualTo("doppel-extractor");
  }

  @Test
  void everyBadValueIsListedAtOnce() {
    Map<String, String> env = minimal();
    env.put("DOPPEL_EXTRACTOR_COMMIT_INTERVAL_MS", "0");
    env.put("DOPPEL_EXTRACTOR_STREAM_THREADS", "two");
    env.remove("DOPPEL_SCHEMA_REGISTRY_URL");

    assertThatThrownBy(() -> ServiceSettings.fromEnvironment(env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "(DOPPEL_EXTRACTOR_COMMIT_INTERVAL_MS) must be in [1, 60000], got '0'")
        .hasMessageContaining("(DOPPEL_EXTRACTOR_STREAM_THREADS) must be a whole number, got 'two'")
        .hasMessageContaining("(DOPPEL_SCHEMA_REGISTRY_URL) is required");

    env.put("DOPPEL_SCHEMA_REGISTRY_URL", "http://registry:8081");
    env.put("DOPPEL_EXTRACTOR_STREAM_THREADS", "2");
    env.put("DOPPEL_EXTRACTOR_COMMIT_INTERVAL_MS", "200");
    assertThat(ServiceSettings.fromEnvironment(env).service().commitInterval())
        .isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void aMistypedVariableOfTheServiceIsAnErrorNotIgnored() {
    Map<String, String> env = minimal();
    env.put("DOPPEL_EXTRACTOR_STREAM_THEADS", "2");

    assertThatThrownBy(() -> ServiceSettings.fromEnvironment(env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("DOPPEL_EXTRACTOR_STREAM_THEADS is not a setting of the extractor");
  }
}
