package io.doppel.topology.ops;

import java.util.List;

/**
 * The names that code, container images, Kubernetes manifests, Prometheus rules and dashboards
 * must agree on. The k8s module's tests check the manifests against these constants, so a renamed
 * path or application id breaks the build instead of a deployment.
 */
public final class Deployment {

  /** Kafka Streams {@code application.id} of the extractor; also its consumer group (KEDA). */
  public static final String EXTRACTOR_APPLICATION_ID = "doppel-extractor";

  /** Kafka Streams {@code application.id} of the matcher; also its consumer group. */
  public static final String MATCHER_APPLICATION_ID = "doppel-matcher";

  public static final List<String> APPLICATION_IDS =
      List.of(EXTRACTOR_APPLICATION_ID, MATCHER_APPLICATION_ID);

  /** The port of {@link OpsServer} in containers: probes and Prometheus scrape it. */
  public static final int OPS_PORT = 8080;

  /** The name of {@link #OPS_PORT} in pod specs, Services and ServiceMonitors. */
  public static final String OPS_PORT_NAME = "ops";

  /** Answers 200 while the process is up; a failing liveness probe restarts the pod. */
  public static final String LIVENESS_PATH = "/health/live";

  /** Answers 200 when every readiness check passes, 503 otherwise, with a JSON body. */
  public static final String READINESS_PATH = "/health/ready";

  /** Prometheus text exposition of every meter, JVM and Kafka Streams client metrics included. */
  public static final String METRICS_PATH = "/metrics";

  /** Common tag on every meter, valued with the application id. */
  public static final String APPLICATION_TAG = "application";

  /** Where Kafka Streams keeps its state; an emptyDir in Kubernetes (the root fs is read-only). */
  public static final String STATE_DIR = "/var/lib/doppel/state";

  /**
   * The consumer-lag series alerts and dashboards read: Kafka's {@code records-lag-max} of the
   * fetch manager, as Micrometer's Kafka Streams binder exposes it (per consumer client).
   */
  public static final String CONSUMER_LAG_SERIES = "kafka_consumer_fetch_manager_records_lag_max";

  /**
   * The {@code client_id} of a Kafka Streams main consumer; the restore consumer, which reads
   * changelogs, reports lag of its own that is not a backlog of work.
   */
  public static final String MAIN_CONSUMER_CLIENT_ID_REGEX = ".*-StreamThread-[0-9]+-consumer";

  /** The logback configuration with JSON output and secret redaction, on the classpath. */
  public static final String JSON_LOGBACK_CONFIGURATION = "doppel-logback-json.xml";

  private Deployment() {}
}
