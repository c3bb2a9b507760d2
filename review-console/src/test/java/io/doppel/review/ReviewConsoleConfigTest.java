package io.doppel.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.review.access.Role;
import io.doppel.review.http.Identity;
import io.doppel.topology.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's and the labels tool's settings, read through the shared ConfigReader: sign-in,
 * roles and sessions validated at start-up with every problem at once, secrets only from the
 * environment or a file and never in a message, and Kafka reached with the services' security
 * settings.
 */
class ReviewConsoleConfigTest {

  private static final String SECRET = "session-secret-0123456789-abcdefghij";
  private static final String JAAS =
      "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"console\" password=\"kafka-pw\";";

  @TempDir
  Path dir;

  private static Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    env.put("DOPPEL_KAFKA_BOOTSTRAP_SERVERS", "kafka:9093");
    env.put("DOPPEL_KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
    env.put("DOPPEL_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
    env.put("DOPPEL_KAFKA_SASL_JAAS_CONFIG", JAAS);
    env.put("DOPPEL_KAFKA_SSL_TRUSTSTORE_TYPE", "PEM");
    env.put("DOPPEL_SCHEMA_REGISTRY_URL", "http://registry:8080/apis/ccompat/v7");
    env.put("DOPPEL_REVIEW_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1");
    env.put("DOPPEL_REVIEW_ROLES", "ts-acme=acme:reviewer,ts-acme-leads=acme:lead");
    return env;
  }

  @Test
  void aCompleteConfigurationReadsWithKafkaSecurityAndDefaults() throws Exception {
    Path secret = Files.writeString(dir.resolve("secret"), SECRET + "\n");
    Map<String, String> env = environment();
    env.put("DOPPEL_REVIEW_SESSION_SECRET_FILE", secret.toString());
    env.put("DOPPEL_REVIEW_SESSION_TTL", "PT30M");

    ReviewConsole.Settings settings = ReviewConsoleMain.read(env).console();

    assertThat(settings.kafka())
        .containsEntry("bootstrap.servers", "kafka:9093")
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
        .containsEntry("sasl.jaas.config", JAAS)
        .containsEntry("ssl.truststore.type", "PEM");
    assertThat(settings.signIn().sessions().ttl()).hasMinutes(30);
    assertThat(settings.requireImageDigest()).isTrue();
    assertThat(settings.roles().resolve("lee", List.of("ts-acme-leads")).roleIn("acme"))
        .contains(Role.LEAD);
    assertThat(settings.toString()).doesNotContain(SECRET).doesNotContain("kafka-pw");
  }

  @Test
  void aSessionSignedWithTheConfiguredSecretIsAcceptedByAnotherReplica() throws Exception {
    Map<String, String> env = environment();
    env.put("DOPPEL_REVIEW_SESSION_SECRET", SECRET);
    var one = ReviewConsoleMain.read(env).console().signIn().sessions();
    var two = ReviewConsoleMain.read(env).console().signIn().sessions();
    java.time.Instant now = java.time.Instant.parse("2026-06-01T00:00:00Z");

    String session = one.issue(new Identity("rita", List.of("ts-acme")), now);

    assertThat(two.verify(io.doppel.review.http.Sessions.Purpose.SESSION, session, now))
        .isPresent();
  }

  @Test
  void everyProblemIsReportedAtOnceAndNoSecretIsRepeated() {
    Map<String, String> env = environment();
    env.remove("DOPPEL_REVIEW_TRUSTED_PROXIES");
    env.put("DOPPEL_REVIEW_ROLES", "ts-acme=acme:admin");
    env.put("DOPPEL_REVIEW_SESSION_SECRET", "too-short-secret");
    env.put("DOPPEL_REVIEW_TOKENS", "alice:some-old-token-0123456789");

    assertThatThrownBy(() -> ReviewConsoleMain.read(env))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("DOPPEL_REVIEW_TRUSTED_PROXIES")
        .hasMessageContaining("unknown role 'admin'")
        .hasMessageContaining("at least 32 bytes")
        .hasMessageContaining("is no longer read")
        .message()
        .doesNotContain("too-short-secret")
        .doesNotContain("some-old-token");
  }

  @Test
  void theLabelsToolReachesKafkaAsTheServicesDo() {
    ReviewLabelsMain.Connection connection =
        ReviewLabelsMain.read(environment(), Map.of("kafka.bootstrap-servers", "other:9093"));

    assertThat(connection.kafka())
        .containsEntry("bootstrap.servers", "other:9093")
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.jaas.config", JAAS)
        .containsEntry("isolation.level", "read_committed");
    assertThat(connection.registry().toString()).contains("registry:8080");
  }

  @Test
  void aSignInLinkMintedWithTheConsolesSecretSignsInOnTheConsole() {
    Map<String, String> env = environment();
    env.put("DOPPEL_REVIEW_SESSION_SECRET", SECRET);
    java.time.Instant now = java.time.Instant.parse("2026-06-01T00:00:00Z");
    var signIn = ReviewConsoleMain.read(env).console().signIn();

    String path = SignInLinkMain.link(
        new String[] {"lee", "ts-acme-leads"},
        env,
        java.time.Clock.fixed(now, java.time.ZoneOffset.UTC));

    assertThat(path).startsWith("/sign-in?link=");
    assertThat(signIn.redeem(path.substring("/sign-in?link=".length()), now.plusSeconds(60)))
        .hasValueSatisfying(s -> assertThat(s.identity().name()).isEqualTo("lee"));
    assertThat(signIn.redeem(path.substring("/sign-in?link=".length()), now.plusSeconds(3600)))
        .as("15 minutes by default")
        .isEmpty();
  }
}
