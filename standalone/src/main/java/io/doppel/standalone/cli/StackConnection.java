package io.doppel.standalone.cli;

import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.topology.config.ConfigException;
import io.doppel.topology.config.ConfigReader;
import io.doppel.topology.config.KafkaConnection;
import io.doppel.topology.config.SchemaRegistryConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The stack a client command talks to: Kafka and the schema registry, read as the services read them ({@link
 * KafkaConnection}, {@link SchemaRegistryConnection}: {@code DOPPEL_KAFKA_*} security settings and the registry's
 * credentials from the environment or their {@code _FILE}s only), with {@code --bootstrap} and {@code --registry} on
 * top of {@code DOPPEL_KAFKA_BOOTSTRAP_SERVERS} and {@code DOPPEL_SCHEMA_REGISTRY_URL}. {@link #toString()} names no
 * secret.
 */
public record StackConnection(
    KafkaConnection kafka, HttpSchemaRegistry.Settings registry, Duration timeout) {

  /** The settings section the commands read ({@code DOPPEL_CLIENT_CONFIG_FILE} names a properties file of it). */
  public static final String PROGRAM = "client";

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  public static final String OPTIONS_USAGE = """
        --bootstrap HOST:PORT   Kafka (default $DOPPEL_KAFKA_BOOTSTRAP_SERVERS); TLS and SASL from
                                DOPPEL_KAFKA_SECURITY_PROTOCOL, DOPPEL_KAFKA_SASL_*, DOPPEL_KAFKA_SSL_*
                                (each also as _FILE), as the services read them
        --registry URL          schema registry (default $DOPPEL_SCHEMA_REGISTRY_URL); credentials from
                                DOPPEL_SCHEMA_REGISTRY_AUTH or DOPPEL_SCHEMA_REGISTRY_AUTH_FILE
        --timeout SECONDS       give up on an unreachable broker or registry after this long (default 30)
      """;

  /** Reads {@code --bootstrap}, {@code --registry} and {@code --timeout}, then the environment; every problem at once. */
  public static StackConnection read(Args args, Map<String, String> environment) {
    List<String> problems = new ArrayList<>();
    StackConnection connection = read(args, environment, problems);
    if (connection == null) {
      throw new UsageException(String.join("\n  ", problems));
    }
    return connection;
  }

  /** Like {@link #read(Args, Map)}, but adds each problem to {@code problems} and returns null if there was one. */
  public static StackConnection read(
      Args args, Map<String, String> environment, List<String> problems) {
    int problemsBefore = problems.size();
    Map<String, String> overrides = new HashMap<>();
    String bootstrap = args.string("bootstrap", null);
    if (bootstrap != null) {
      overrides.put(KafkaConnection.BOOTSTRAP_SERVERS, bootstrap);
    }
    String registry = args.string("registry", null);
    if (registry != null) {
      overrides.put(SchemaRegistryConnection.URL, registry);
    }
    Duration timeout;
    try {
      timeout = Duration.ofSeconds(args.integer("timeout", (int) DEFAULT_TIMEOUT.toSeconds(), 1));
    } catch (UsageException e) {
      problems.add(e.getMessage());
      timeout = DEFAULT_TIMEOUT;
    }
    ConfigReader reader = ConfigReader.of(PROGRAM, environment, overrides);
    KafkaConnection kafka = KafkaConnection.read(reader);
    HttpSchemaRegistry.Settings registrySettings = SchemaRegistryConnection.read(reader);
    try {
      reader.finish();
    } catch (ConfigException e) {
      e.problems()
          .forEach(problem -> problems.add(problem
              .replace(KafkaConnection.BOOTSTRAP_SERVERS + " (", "--bootstrap (or ")
              .replace(SchemaRegistryConnection.URL + " (", "--registry (or ")));
      return null;
    }
    if (problems.size() > problemsBefore) {
      return null;
    }
    // one attempt per call, each bounded by the timeout: a CLI says what is wrong rather than
    // waiting
    Duration connect = timeout.compareTo(HttpSchemaRegistry.Settings.DEFAULT_CONNECT_TIMEOUT) < 0
        ? timeout
        : HttpSchemaRegistry.Settings.DEFAULT_CONNECT_TIMEOUT;
    return new StackConnection(
        kafka,
        registrySettings
            .withTimeouts(connect, timeout)
            .withRetries(HttpSchemaRegistry.Retries.NONE),
        timeout);
  }

  /** Kafka client properties: the bootstrap servers, the security settings, and timeouts bounded by {@link #timeout}. */
  public Properties clientProperties() {
    Properties properties = new Properties();
    properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    properties.putAll(kafka.security());
    properties.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    properties.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
    return properties;
  }

  /**
   * Fails with {@link CommandFailedException} unless the cluster answers within {@link #timeout} and has every one of
   * {@code topics}: an unreachable broker, a refused login and a missing topic each get their own message.
   */
  public void checkTopics(Set<String> topics) {
    Properties properties = clientProperties();
    properties.put(AdminClientConfig.CLIENT_ID_CONFIG, "doppel-cli-check");
    try (Admin admin = Admin.create(properties)) {
      try {
        admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw unreachable();
      } catch (ExecutionException e) {
        // the admin client's own deadline is the same timeout; whichever fires first, no broker
        // answered (TailCommandTest, UploadCommandTest: anUnreachableBrokerFailsWithinTheTimeout)
        if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
          throw unreachable();
        }
        throw e;
      }
      Set<String> present =
          admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      List<String> missing = new ArrayList<>(
          topics.stream().filter(t -> !present.contains(t)).sorted().toList());
      if (!missing.isEmpty()) {
        throw new CommandFailedException("the cluster at " + kafka.bootstrapServers()
            + " has no topic " + String.join(", ", missing)
            + " (Doppel's services do not create topics: see docs/integration.md)");
      }
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new CommandFailedException(
          "Kafka at " + kafka.bootstrapServers() + ": " + cause.getMessage());
    } catch (TimeoutException e) {
      throw new CommandFailedException("Kafka at " + kafka.bootstrapServers()
          + " did not list its topics within " + timeout.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandFailedException(
          "interrupted while checking Kafka at " + kafka.bootstrapServers());
    }
  }

  private CommandFailedException unreachable() {
    return new CommandFailedException("no Kafka broker answered at " + kafka.bootstrapServers()
        + " within " + timeout.toSeconds() + " s (address, port, listener or security settings?)");
  }

  @Override
  public String toString() {
    return "StackConnection[" + kafka + ", registry " + registry.baseUrl() + "]";
  }
}
