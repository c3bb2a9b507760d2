package io.doppel.topology.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RedactingJsonEncoderTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void registeredSecretsNeverReachTheLogLineInEitherForm() throws Exception {
    String secret = "s3cr3t-\"token\"-value";
    RedactingJsonEncoder.registerSecret(secret);
    RedactingJsonEncoder encoder = startedEncoder(slf4jContext());

    String line =
        encode(encoder, "connecting with sasl.jaas.config password=\"{}\" failed", secret);

    assertThat(line).doesNotContain(secret).doesNotContain("s3cr3t-\\\"token\\\"-value");
    JsonNode json = JSON.readTree(line);
    assertThat(json.get("formattedMessage").asText())
        .isEqualTo("connecting with sasl.jaas.config password=\"" + RedactingJsonEncoder.MASK
            + "\" failed");
    assertThat(json.get("level").asText()).isEqualTo("WARN");
  }

  @Test
  void shortValuesAreLeftAloneSoLinesStayReadable() throws Exception {
    RedactingJsonEncoder.registerSecret("true");
    RedactingJsonEncoder encoder = startedEncoder(slf4jContext());

    String line = encode(encoder, "enabled={}", "true");

    assertThat(JSON.readTree(line).get("formattedMessage").asText()).isEqualTo("enabled=true");
  }

  @Test
  void theShippedConfigurationWritesRedactedJsonToTheConsole() throws Exception {
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    URL configuration =
        getClass().getClassLoader().getResource(Deployment.JSON_LOGBACK_CONFIGURATION);
    assertThat(configuration).as("doppel-logback-json.xml on the classpath").isNotNull();

    configurator.doConfigure(configuration);

    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getAppender("JSON")).isInstanceOf(ConsoleAppender.class);
    assertThat(((OutputStreamAppender<?>) root.getAppender("JSON")).getEncoder())
        .isInstanceOf(RedactingJsonEncoder.class);
    assertThat(context.getLogger("org.apache.kafka").getLevel()).isEqualTo(Level.WARN);
    assertThat(context.getStatusManager().getCopyOfStatusList())
        .noneMatch(status -> status.getLevel() >= ch.qos.logback.core.status.Status.ERROR);
    context.stop();
  }

  /** The context slf4j bound to; a bare LoggerContext has no MDC adapter to encode events. */
  private static LoggerContext slf4jContext() {
    return (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
  }

  private static RedactingJsonEncoder startedEncoder(LoggerContext context) {
    RedactingJsonEncoder encoder = new RedactingJsonEncoder();
    encoder.setContext(context);
    encoder.setWithFormattedMessage(true);
    encoder.setSecretEnvironmentVariables("DOPPEL_TEST_UNSET_SECRET_VARIABLE");
    encoder.start();
    return encoder;
  }

  private static String encode(RedactingJsonEncoder encoder, String pattern, Object argument) {
    Logger logger = ((LoggerContext) encoder.getContext()).getLogger("io.doppel.test");
    LoggingEvent event = new LoggingEvent(
        Logger.class.getName(), logger, Level.WARN, pattern, null, new Object[] {argument});
    return new String(encoder.encode(event), StandardCharsets.UTF_8).strip();
  }
}
