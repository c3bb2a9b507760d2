package io.doppel.topology.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.doppel.topology.ops.RedactingJsonEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSecurityEnvironmentTest {

  private static final String PASSWORD = "pw-from-a-mounted-secret-7f3a";
  private static final String JAAS =
      "org.apache.kafka.common.security.scram.ScramLoginModule required "
          + "username=\"doppel\" password=\"" + PASSWORD + "\";";

  @Test
  void settingsComeFromVariablesAndMountedFiles(@TempDir Path dir) throws Exception {
    Path jaas =
        Files.writeString(dir.resolve("sasl.jaas.config"), JAAS + "\n", StandardCharsets.UTF_8);
    List<String> problems = new ArrayList<>();

    Map<String, String> settings = KafkaSecurityEnvironment.read(
        Map.of(
            "DOPPEL_KAFKA_BOOTSTRAP_SERVERS", "kafka:9093",
            "DOPPEL_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
            "DOPPEL_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
            "DOPPEL_KAFKA_SASL_JAAS_CONFIG_FILE", jaas.toString(),
            "DOPPEL_KAFKA_SSL_TRUSTSTORE_TYPE", "PEM",
            "PATH", "/usr/bin"),
        problems);

    assertThat(problems).isEmpty();
    assertThat(settings)
        .containsExactlyInAnyOrderEntriesOf(Map.of(
            "security.protocol",
            "SASL_SSL",
            "sasl.mechanism",
            "SCRAM-SHA-512",
            "sasl.jaas.config",
            JAAS,
            "ssl.truststore.type",
            "PEM"));
  }

  @Test
  void badSettingsAreListedWithoutTheirSecrets(@TempDir Path dir) {
    List<String> problems = new ArrayList<>();

    KafkaSecurityEnvironment.read(
        Map.of(
            "DOPPEL_KAFKA_SASL_JAAS_CONFIG",
            JAAS,
            "DOPPEL_KAFKA_SASL_JAAS_CONFIG_FILE",
            dir.resolve("jaas").toString(),
            "DOPPEL_KAFKA_SSL_KEY_PASSWORD_FILE",
            dir.resolve("missing").toString(),
            "DOPPEL_KAFKA_ACKS",
            "1"),
        problems);

    assertThat(problems)
        .hasSize(3)
        .noneMatch(p -> p.contains(PASSWORD))
        .anyMatch(p -> p.contains(
            "DOPPEL_KAFKA_SASL_JAAS_CONFIG or DOPPEL_KAFKA_SASL_JAAS_CONFIG_FILE, not both"))
        .anyMatch(p ->
            p.startsWith("DOPPEL_KAFKA_SSL_KEY_PASSWORD_FILE=") && p.contains("cannot be read"))
        .anyMatch(p -> p.startsWith("DOPPEL_KAFKA_ACKS is not a Kafka security setting"));
  }

  @Test
  void secretsAndTheJaasPasswordAreMaskedInJsonLogs(@TempDir Path dir) throws Exception {
    Path jaas = Files.writeString(dir.resolve("jaas"), JAAS, StandardCharsets.UTF_8);
    KafkaSecurityEnvironment.read(
        Map.of("DOPPEL_KAFKA_SASL_JAAS_CONFIG_FILE", jaas.toString()), new ArrayList<>());

    // The context slf4j bound to: a bare LoggerContext has no MDC adapter to encode events.
    LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
    RedactingJsonEncoder encoder = new RedactingJsonEncoder();
    encoder.setContext(context);
    encoder.setWithFormattedMessage(true);
    encoder.start();
    LoggingEvent event = new LoggingEvent(
        "test",
        context.getLogger("test"),
        Level.WARN,
        "login failed for config {} with password {}",
        null,
        new Object[] {JAAS, PASSWORD});
    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);

    assertThat(line)
        .contains("login failed")
        .doesNotContain(PASSWORD)
        .contains(RedactingJsonEncoder.MASK);
  }

  @Test
  void onlySecretKeysCountAsSecrets() {
    assertThat(List.of(
            "sasl.jaas.config",
            "ssl.key.password",
            "ssl.keystore.password",
            "ssl.truststore.password",
            "ssl.keystore.key",
            "sasl.oauthbearer.client.credentials.client.secret"))
        .allMatch(KafkaSecurityEnvironment::isSecret);
    assertThat(List.of(
            "security.protocol",
            "sasl.mechanism",
            "ssl.truststore.location",
            "ssl.truststore.type"))
        .noneMatch(KafkaSecurityEnvironment::isSecret);
  }
}
