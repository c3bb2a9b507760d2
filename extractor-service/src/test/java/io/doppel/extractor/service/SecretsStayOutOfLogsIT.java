package io.doppel.extractor.service;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.read.ListAppender;
import io.doppel.extractor.Fixtures;
import io.doppel.schemas.Topics;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.topology.testing.EmbeddedKafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Kafka SASL/TLS settings and the registry credentials, taken from the environment and
 * from mounted files ({@code *_FILE}), reach the clients but never a log line. The real service
 * starts on the real broker with every secret configured, all log events of the run (the
 * service's, Kafka's own config dumps, Streams') are captured unredacted, and none may contain a
 * secret; the configuration must still show up in the log, masked.
 */
class SecretsStayOutOfLogsIT {

  @RegisterExtension
  static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

  private static final String JAAS_PASSWORD = "jaas-password-5b1e0c9d";
  private static final String TRUSTSTORE_PASSWORD = "truststore-password-77ad41";
  private static final String KEY_PASSWORD = "key-password-file-0e6f2b";
  private static final String REGISTRY_PASSWORD = "registry-password-c3a9";
  private static final String JAAS =
      "org.apache.kafka.common.security.plain.PlainLoginModule required "
          + "username=\"doppel\" password=\"" + JAAS_PASSWORD + "\";";
  private static final Duration WAIT = Duration.ofMinutes(2);

  @TempDir
  Path dir;

  @Test
  void aServiceRunWithEverySecretConfiguredLogsNoneOfThem() throws Exception {
    KAFKA.cluster().createTopics(Topics.NAMES, 1, 1);
    Map<String, String> env = new HashMap<>();
    env.put("DOPPEL_KAFKA_BOOTSTRAP_SERVERS", KAFKA.bootstrapServers());
    env.put("DOPPEL_SCHEMA_REGISTRY_URL", "https://registry.invalid:8081");
    env.put(
        "DOPPEL_SCHEMA_REGISTRY_AUTH_FILE",
        secretFile("registry-auth", "doppel:" + REGISTRY_PASSWORD));
    env.put("DOPPEL_EXTRACTOR_DATA_DIR", dir.resolve("data").toString());
    env.put("DOPPEL_OPS_PORT", "0");
    // The embedded broker listens in plaintext: the SASL and TLS settings are carried and printed
    // by every Kafka client, which is what this test is about, without being used to connect.
    env.put("DOPPEL_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT");
    env.put("DOPPEL_KAFKA_SASL_MECHANISM", "PLAIN");
    env.put("DOPPEL_KAFKA_SASL_JAAS_CONFIG_FILE", secretFile("sasl.jaas.config", JAAS));
    env.put("DOPPEL_KAFKA_SSL_TRUSTSTORE_PASSWORD", TRUSTSTORE_PASSWORD);
    env.put("DOPPEL_KAFKA_SSL_KEY_PASSWORD_FILE", secretFile("ssl.key.password", KEY_PASSWORD));
    List<String> secrets =
        List.of(JAAS_PASSWORD, TRUSTSTORE_PASSWORD, KEY_PASSWORD, REGISTRY_PASSWORD);

    ListAppender<ILoggingEvent> captured = captureAllLogs();
    try {
      ServiceSettings settings = ServiceSettings.fromEnvironment(env).service();
      assertThat(settings.kafka().security())
          .containsEntry("sasl.jaas.config", JAAS)
          .containsEntry("ssl.key.password", KEY_PASSWORD)
          .containsEntry("ssl.truststore.password", TRUSTSTORE_PASSWORD);
      HttpSchemaRegistry.Settings registry = settings.schemaRegistry();
      assertThat(registry.auth().authorizationHeader()).isPresent();
      LoggerFactory.getLogger(getClass()).info("configured {} and registry {}", settings, registry);

      try (ExtractorService service =
          ExtractorService.start(settings, Fixtures.config(), new InMemorySchemaRegistry())) {
        service.runtime().awaitRunning(WAIT);
      }
    } finally {
      release(captured);
    }

    List<String> lines =
        captured.list.stream().map(SecretsStayOutOfLogsIT::render).toList();
    System.out.printf(
        "secrets: %d log events captured from a service run, %d secrets looked for%n",
        lines.size(), secrets.size());
    assertThat(lines).as("the run logged something").hasSizeGreaterThan(10);
    for (String secret : secrets) {
      assertThat(lines)
          .as("log lines containing a configured secret")
          .noneMatch(line -> line.contains(secret));
    }
    assertThat(lines)
        .as("the configuration is logged, masked")
        .anyMatch(line -> line.contains("sasl.jaas.config=****"))
        .anyMatch(line -> line.contains("Basic[user=doppel, password=***]"))
        .anyMatch(line -> line.contains("sasl.jaas.config = [hidden]"));
  }

  private String secretFile(String name, String content) throws Exception {
    // Mounted Kubernetes Secrets often end with a line break that is not part of the value.
    return Files.writeString(dir.resolve(name), content + "\n", StandardCharsets.UTF_8)
        .toString();
  }

  private static ListAppender<ILoggingEvent> captureAllLogs() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.setContext(context);
    appender.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    return appender;
  }

  private static void release(ListAppender<ILoggingEvent> appender) {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
    appender.stop();
  }

  /** The event as any encoder could print it: message, arguments, MDC and the whole exception chain. */
  private static String render(ILoggingEvent event) {
    StringBuilder line =
        new StringBuilder(event.getLoggerName()).append(' ').append(event.getFormattedMessage());
    event
        .getMDCPropertyMap()
        .forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
    for (IThrowableProxy error = event.getThrowableProxy();
        error != null;
        error = error.getCause()) {
      line.append(" | ").append(error.getClassName()).append(": ").append(error.getMessage());
      for (StackTraceElementProxy frame : error.getStackTraceElementProxyArray()) {
        line.append(' ').append(frame.getSTEAsString());
      }
    }
    return line.toString();
  }
}
