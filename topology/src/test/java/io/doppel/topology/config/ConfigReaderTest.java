package io.doppel.topology.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.doppel.topology.ops.RedactingJsonEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigReaderTest {

  private enum Colour {
    RED,
    DARK_BLUE
  }

  @Test
  void overridesWinOverTheEnvironmentWhichWinsOverTheFileWhichWinsOverTheDefault(@TempDir Path dir)
      throws Exception {
    Path file = Files.writeString(dir.resolve("tool.properties"), """
        tool.a=from-file
        b=from-file
        DOPPEL_TOOL_C=from-file
        d=from-file
        """);
    ConfigReader reader = ConfigReader.of(
        "tool",
        Map.of(
            "DOPPEL_TOOL_CONFIG_FILE",
            file.toString(),
            "DOPPEL_TOOL_B",
            "from-env",
            "DOPPEL_TOOL_D",
            "from-env"),
        Map.of("d", "from-override"));
    ConfigReader tool = reader.section("tool");

    assertThat(tool.string("a", "default")).as("full name in the file").isEqualTo("from-file");
    assertThat(tool.string("b", "default")).isEqualTo("from-env");
    assertThat(tool.string("c", "default")).as("variable name in the file").isEqualTo("from-file");
    assertThat(tool.string("d", "default")).isEqualTo("from-override");
    assertThat(tool.string("e", "default")).isEqualTo("default");
    reader.finish();
  }

  @Test
  void everyProblemIsReportedAtOnceWithTheSettingAndItsVariable() {
    ConfigReader reader = ConfigReader.of(
        "tool",
        Map.of(
            "DOPPEL_TOOL_COUNT", "twelve",
            "DOPPEL_TOOL_SHARE", "1.5",
            "DOPPEL_TOOL_ON", "maybe",
            "DOPPEL_TOOL_COLOUR", "green",
            "DOPPEL_TOOL_WAIT", "soon"));
    ConfigReader tool = reader.section("tool");
    tool.integer("count", 1, 1, 10);
    tool.decimal("share", 0.5, 0, 1);
    tool.bool("on", true);
    tool.choice("colour", Colour.RED, Colour.class);
    tool.duration("wait", Duration.ofSeconds(1));
    tool.required("name");

    assertThatThrownBy(reader::finish)
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(6))
        .hasMessageContaining("tool.count (DOPPEL_TOOL_COUNT) must be a whole number, got 'twelve'")
        .hasMessageContaining("tool.share (DOPPEL_TOOL_SHARE) must be in [0.0, 1.0], got '1.5'")
        .hasMessageContaining("tool.on (DOPPEL_TOOL_ON) must be true or false, got 'maybe'")
        .hasMessageContaining(
            "tool.colour (DOPPEL_TOOL_COLOUR) must be one of [red, dark_blue], got 'green'")
        .hasMessageContaining(
            "tool.wait (DOPPEL_TOOL_WAIT) must be an ISO-8601 duration such as PT60S, got 'soon'")
        .hasMessageContaining("tool.name (DOPPEL_TOOL_NAME) is required");
  }

  @Test
  void valuesParseAsDocumented() {
    ConfigReader tool = ConfigReader.of(
            "tool",
            Map.of(
                "DOPPEL_TOOL_BYTES", "25_000_000",
                "DOPPEL_TOOL_COLOUR", "dark-blue",
                "DOPPEL_TOOL_TIMEOUT_MS", "1500",
                "DOPPEL_TOOL_HOSTS", " a.example , ,b.example "))
        .section("tool");

    assertThat(tool.whole("bytes", 1, 1, Long.MAX_VALUE)).isEqualTo(25_000_000L);
    assertThat(tool.choice("colour", Colour.RED, Colour.class)).isEqualTo(Colour.DARK_BLUE);
    assertThat(tool.millis("timeout-ms", Duration.ZERO, Duration.ZERO, Duration.ofMinutes(1)))
        .isEqualTo(Duration.ofMillis(1500));
    assertThat(tool.list("hosts")).containsExactly("a.example", "b.example");
  }

  @Test
  void aSecretComesFromTheVariableOrItsFileNeverBothAndNeverFromTheConfigFile(@TempDir Path dir)
      throws Exception {
    Path secretFile = Files.writeString(dir.resolve("token"), "token-from-file-8c1d\n");
    assertThat(ConfigReader.of("tool", Map.of("DOPPEL_TOOL_TOKEN_FILE", secretFile.toString()))
            .section("tool")
            .secret("token"))
        .as("a mounted file's trailing line break is not part of the secret")
        .isEqualTo("token-from-file-8c1d");

    ConfigReader both = ConfigReader.of(
        "tool",
        Map.of(
            "DOPPEL_TOOL_TOKEN",
            "token-from-env-5e2a",
            "DOPPEL_TOOL_TOKEN_FILE",
            secretFile.toString()));
    assertThat(both.section("tool").secret("token")).isNull();
    assertThatThrownBy(both::finish)
        .hasMessageContaining("set DOPPEL_TOOL_TOKEN or DOPPEL_TOOL_TOKEN_FILE, not both")
        .hasMessageNotContaining("token-from");

    Path config =
        Files.writeString(dir.resolve("tool.properties"), "token=token-in-a-repository-77f0\n");
    ConfigReader inFile =
        ConfigReader.of("tool", Map.of("DOPPEL_TOOL_CONFIG_FILE", config.toString()));
    assertThat(inFile.section("tool").secret("token")).isNull();
    assertThatThrownBy(inFile::finish)
        .hasMessageContaining("token is a secret")
        .hasMessageNotContaining("77f0");
  }

  @Test
  void everySecretReadIsMaskedInTheJsonLogs() {
    String secret = "registry-password-3f9b/with-slash";
    ConfigReader.of("tool", Map.of("DOPPEL_TOOL_PASSWORD", secret))
        .section("tool")
        .secret("password");

    // the context slf4j bound to: a bare LoggerContext has no MDC adapter to encode events
    LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    RedactingJsonEncoder encoder = new RedactingJsonEncoder();
    encoder.setContext(context);
    encoder.setWithFormattedMessage(true);
    encoder.start();
    LoggingEvent event = new LoggingEvent(
        "test", context.getLogger("test"), Level.INFO, "connecting with {}", null, new Object[] {
          secret
        });
    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);

    assertThat(line).contains(RedactingJsonEncoder.MASK).doesNotContain("3f9b");
  }

  @Test
  void deprecatedNamesAreStillReadUnderTheNewSetting() {
    ConfigReader reader = ConfigReader.of(
        "review",
        Map.of(
            "DOPPEL_REVIEW_BOOTSTRAP_SERVERS", "kafka:9092",
            "DOPPEL_REVIEW_SCHEMA_REGISTRY_BEARER_TOKEN", "a-bearer-token-0b1c"));

    assertThat(reader.required("kafka.bootstrap-servers")).isEqualTo("kafka:9092");
    assertThat(reader.secret("schema-registry.auth")).isEqualTo("Bearer a-bearer-token-0b1c");
    reader.rejectUnknownVariables();
    reader.finish();
  }

  @Test
  void aMistypedVariableOfTheProgramIsAnErrorOnlyWhereTheProgramReadsAllItsSettings() {
    Map<String, String> environment =
        Map.of("DOPPEL_TOOL_COUNT", "3", "DOPPEL_TOOL_CUONT", "4", "DOPPEL_OTHER_X", "1");
    ConfigReader tool = ConfigReader.of("tool", environment);
    tool.section("tool").integer("count", 1, 1, 10);
    tool.finish();

    ConfigReader service = ConfigReader.of("tool", environment);
    service.section("tool").integer("count", 1, 1, 10);
    service.rejectUnknownVariables();
    assertThatThrownBy(service::finish)
        .hasMessageContaining("DOPPEL_TOOL_CUONT is not a setting of the tool")
        .hasMessageNotContaining("DOPPEL_OTHER_X");
  }

  @Test
  void anOverrideOrFileKeyThatNamesNoSettingIsAnError(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("tool.properties"), "cuont=3\n");
    ConfigReader reader = ConfigReader.of(
        "tool", Map.of("DOPPEL_TOOL_CONFIG_FILE", file.toString()), Map.of("colur", "red"));
    reader.section("tool").integer("count", 1, 1, 10);

    assertThatThrownBy(reader::finish)
        .hasMessageContaining("unknown key cuont")
        .hasMessageContaining("unknown setting colur");
  }

  @Test
  void theSettingsReadAreListedWithTheirVariablesAndDefaults() {
    ConfigReader reader = ConfigReader.of("tool", Map.of());
    reader.section("tool").integer("count", 7, 1, 10);
    reader.secret("tool.token");

    assertThat(reader.settingsRead())
        .contains(
            new ConfigReader.Setting("tool.count", "DOPPEL_TOOL_COUNT", "7", false),
            new ConfigReader.Setting("tool.token", "DOPPEL_TOOL_TOKEN", null, true));
  }

  @Test
  void anUnreadableConfigFileIsNamed() {
    ConfigReader reader =
        ConfigReader.of("tool", Map.of("DOPPEL_TOOL_CONFIG_FILE", "/nonexistent/tool.properties"));

    assertThatThrownBy(reader::finish)
        .hasMessageContaining(
            "DOPPEL_TOOL_CONFIG_FILE=/nonexistent/tool.properties cannot be read");
  }
}
