package io.doppel.image.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.topology.config.ConfigException;
import io.doppel.topology.config.ConfigReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FetchSettingsTest {

  @Test
  void defaultsAreSafe() {
    FetchSettings settings = FetchSettings.of(Map.of());

    assertThat(settings.blockPrivateAddresses()).isTrue();
    assertThat(settings.fileRoots()).isEmpty();
    assertThat(settings.maxBytes()).isEqualTo(25L * 1024 * 1024);
    assertThat(settings.maxRedirects()).isEqualTo(3);
  }

  @Test
  void aProgramReadsItsOwnFetchSection() {
    ConfigReader reader = ConfigReader.of(
        "review",
        Map.of(
            "DOPPEL_REVIEW_FETCH_READ_TIMEOUT_MS",
            "1500",
            "DOPPEL_REVIEW_FETCH_ALLOW_LIST",
            "10.0.0.0/8,images.internal"));

    FetchSettings settings = FetchSettings.read(reader.section("review"));
    reader.finish();

    assertThat(settings.readTimeout()).isEqualTo(Duration.ofMillis(1500));
    assertThat(settings.allowList()).containsExactly("10.0.0.0/8", "images.internal");
  }

  @Test
  void badValuesAndUnknownKeysAreRefused() {
    assertThatThrownBy(() -> FetchSettings.of(Map.of("fetch.max-redirects", "99")))
        .isInstanceOf(ConfigException.class);
    assertThatThrownBy(() -> FetchSettings.of(Map.of("fetch.max-byte", "1")))
        .isInstanceOf(ConfigException.class);
  }

  @Test
  void fileRootsAreWidenedOnceEach() {
    Path root = Path.of("images").toAbsolutePath();
    FetchSettings settings = FetchSettings.of(Map.of("fetch.file-roots", root.toString()));

    FetchSettings widened = settings.withFileRoots(List.of(Path.of("images"), Path.of("more")));

    assertThat(widened.fileRoots()).containsExactly(root, Path.of("more").toAbsolutePath());
    assertThat(widened.maxBytes()).isEqualTo(settings.maxBytes());
  }
}
