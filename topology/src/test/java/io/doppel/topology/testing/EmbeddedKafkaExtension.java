package io.doppel.topology.testing;

import io.doppel.kafka.EmbeddedKafkaCluster;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real embedded Kafka cluster for a test class:
 *
 * <pre>
 * &#64;RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
 * ... KAFKA.cluster().createTopics(Topics.NAMES, 2, 1); KAFKA.bootstrapServers() ...
 * </pre>
 *
 * Started before the first test, closed after the last. Modules that use it depend on this
 * module's test-jar and on {@code io.doppel:embedded-kafka}, both with test scope.
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback {

  private final EmbeddedKafkaCluster.Settings settings;
  private EmbeddedKafkaCluster cluster;

  public EmbeddedKafkaExtension() {
    this(EmbeddedKafkaCluster.Settings.singleNode());
  }

  public EmbeddedKafkaExtension(EmbeddedKafkaCluster.Settings settings) {
    this.settings = settings;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    cluster = EmbeddedKafkaCluster.start(settings);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
      cluster = null;
    }
  }

  public EmbeddedKafkaCluster cluster() {
    if (cluster == null) {
      throw new IllegalStateException("the embedded Kafka cluster is not started: register the "
          + "extension with @RegisterExtension on a static field");
    }
    return cluster;
  }

  public String bootstrapServers() {
    return cluster().bootstrapServers();
  }
}
