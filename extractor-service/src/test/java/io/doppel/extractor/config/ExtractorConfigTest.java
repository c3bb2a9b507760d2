package io.doppel.extractor.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.topology.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtractorConfigTest {

  @Test
  void defaultsAreSafe() {
    ExtractorConfig config = ExtractorConfig.defaults();

    assertThat(config.fetch().blockPrivateAddresses()).isTrue();
    assertThat(config.fetch().fileRoots()).isEmpty();
    assertThat(config.model().device()).isEqualTo(ExtractorConfig.Device.CPU);
    assertThat(config.model().manifest()).isEqualTo(ExtractorConfig.BUILT_IN_MANIFEST);
    assertThat(config.local().maxKeypoints()).isEqualTo(150);
    assertThat(config.local().workingSize()).isEqualTo(640);
    assertThat(config.views().tileAspect()).isEqualTo(2.5);
  }

  @Test
  void environmentOverridesTheFileWhichOverridesDefaults(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("extractor.properties");
    Files.writeString(file, "model.batch-size=8\nmodel.device=cuda\nfetch.read-timeout-ms=1500\n");

    ExtractorConfig config = ExtractorConfig.fromEnvironment(
        Map.of(
            "DOPPEL_EXTRACTOR_CONFIG_FILE", file.toString(),
            "DOPPEL_EXTRACTOR_MODEL_BATCH_SIZE", "16",
            "DOPPEL_EXTRACTOR_FETCH_ALLOW_LIST", "10.0.0.0/8, images.internal"),
        Map.of());

    assertThat(config.model().batchSize()).isEqualTo(16);
    assertThat(config.model().device()).isEqualTo(ExtractorConfig.Device.CUDA);
    assertThat(config.fetch().readTimeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(config.fetch().allowList()).containsExactly("10.0.0.0/8", "images.internal");
  }

  @Test
  void everyInvalidValueIsReportedWithItsVariableName() {
    assertThatThrownBy(() -> ExtractorConfig.fromEnvironment(
            Map.of(
                "DOPPEL_EXTRACTOR_MODEL_BATCH_SIZE", "0",
                "DOPPEL_EXTRACTOR_MODEL_DEVICE", "tpu",
                "DOPPEL_EXTRACTOR_FETCH_BLOCK_PRIVATE_ADDRESSES", "maybe",
                "DOPPEL_EXTRACTOR_LOCAL_MAX_KEYPOINTS", "lots"),
            Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("DOPPEL_EXTRACTOR_MODEL_BATCH_SIZE")
        .hasMessageContaining("[cpu, cuda]")
        .hasMessageContaining("true or false")
        .hasMessageContaining("whole number");
  }

  @Test
  void missingConfigFileIsAClearError() {
    assertThatThrownBy(() -> ExtractorConfig.fromEnvironment(
            Map.of("DOPPEL_EXTRACTOR_CONFIG_FILE", "/nonexistent/extractor.properties"), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("/nonexistent/extractor.properties");
  }

  @Test
  void theOldNameOfTheFileVariableIsStillRead(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("extractor.properties"), "model.batch-size=8\n");

    assertThat(ExtractorConfig.fromEnvironment(
                Map.of("DOPPEL_EXTRACTOR_CONFIG", file.toString()), Map.of())
            .model()
            .batchSize())
        .isEqualTo(8);
  }

  @Test
  void aKeyInTheFileThatNamesNoSettingIsAnError(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("extractor.properties"), "model.bacth-size=8\n");

    assertThatThrownBy(() -> ExtractorConfig.fromEnvironment(
            Map.of("DOPPEL_EXTRACTOR_CONFIG_FILE", file.toString()), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown key model.bacth-size");
  }
}
