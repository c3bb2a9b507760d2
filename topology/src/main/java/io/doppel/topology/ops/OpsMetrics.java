package io.doppel.topology.ops;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Objects;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Builds the Prometheus registry a service exposes on {@link Deployment#METRICS_PATH}: JVM and
 * process metrics bound, every meter tagged with the application id.
 */
public final class OpsMetrics implements AutoCloseable {

  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gcMetrics;
  private final DoppelMeters meters;

  private OpsMetrics(PrometheusMeterRegistry registry, JvmGcMetrics gcMetrics) {
    this.registry = registry;
    this.gcMetrics = gcMetrics;
    this.meters = new DoppelMeters(registry);
  }

  /** A registry for {@code applicationId} with memory, GC, thread, class-loader, CPU and uptime. */
  public static OpsMetrics forApplication(String applicationId) {
    Objects.requireNonNull(applicationId, "applicationId");
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags(Deployment.APPLICATION_TAG, applicationId);
    new JvmMemoryMetrics().bindTo(registry);
    JvmGcMetrics gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return new OpsMetrics(registry, gcMetrics);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Doppel meters (see {@link DoppelMeter}) on this registry. */
  public DoppelMeters meters() {
    return meters;
  }

  /**
   * Exposes the client metrics of {@code streams} (consumer lag, commit rates, thread states).
   * Close the returned binder before the streams client.
   */
  public KafkaStreamsMetrics bindKafkaStreams(KafkaStreams streams) {
    KafkaStreamsMetrics binder = new KafkaStreamsMetrics(streams);
    binder.bindTo(registry);
    return binder;
  }

  @Override
  public void close() {
    gcMetrics.close();
    registry.close();
  }
}
