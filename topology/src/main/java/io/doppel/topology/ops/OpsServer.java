package io.doppel.topology.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operations endpoints of a service: liveness, readiness and Prometheus metrics, on the JDK's
 * own HTTP server so that a service needs no web framework.
 *
 * <pre>
 * GET /health/live   200 or 503 {"status":"UP|DOWN","checks":{"kafka-streams":"UP"}}
 * GET /health/ready  200 or 503 {"status":"UP|DOWN","checks":{"kafka-streams":"UP","milvus":"DOWN"}}
 * GET /metrics       Prometheus text format
 * </pre>
 *
 * Start it first, so that probes get answers while a model loads, then register checks as the
 * parts they watch come up. Live with no liveness checks (the process answers); not ready with no
 * readiness checks (nothing has said it can take work yet).
 */
public final class OpsServer implements AutoCloseable {

  /** Where the ops server listens and how long {@link #close()} lets open exchanges finish. */
  public record Settings(String bindAddress, int port, Duration stopGrace) {

    public static final String ALL_INTERFACES = "0.0.0.0";
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(2);
    private static final int MAX_PORT = 65_535;

    public Settings {
      Objects.requireNonNull(bindAddress, "bindAddress");
      Objects.requireNonNull(stopGrace, "stopGrace");
      if (port < 0 || port > MAX_PORT) {
        throw new IllegalArgumentException(
            "ops port must be 0 (any free port) to " + MAX_PORT + ", got " + port);
      }
      if (stopGrace.isNegative()) {
        throw new IllegalArgumentException("ops stop grace must not be negative: " + stopGrace);
      }
    }

    /** The production settings: {@link Deployment#OPS_PORT} on all interfaces. */
    public static Settings defaults() {
      return new Settings(ALL_INTERFACES, Deployment.OPS_PORT, DEFAULT_STOP_GRACE);
    }
  }

  static final String UP = "UP";
  static final String DOWN = "DOWN";
  static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  private static final String JSON_CONTENT_TYPE = "application/json";
  private static final int OK = 200;
  private static final int NOT_FOUND = 404;
  private static final int METHOD_NOT_ALLOWED = 405;
  private static final int SERVICE_UNAVAILABLE = 503;
  /** Connections the OS queues before accept; probes and scrapes are few. */
  private static final int BACKLOG = 16;

  private static final Logger LOG = LoggerFactory.getLogger(OpsServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final Duration stopGrace;
  private final List<HealthCheck> livenessChecks = new CopyOnWriteArrayList<>();
  private final List<HealthCheck> readinessChecks = new CopyOnWriteArrayList<>();

  private OpsServer(HttpServer server, ExecutorService executor, Duration stopGrace) {
    this.server = server;
    this.executor = executor;
    this.stopGrace = stopGrace;
  }

  /** Binds and starts serving; fails with {@link UncheckedIOException} if the port is taken. */
  public static OpsServer start(Settings settings, PrometheusMeterRegistry registry) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(registry, "registry");
    HttpServer server;
    try {
      server = HttpServer.create(
          new InetSocketAddress(settings.bindAddress(), settings.port()), BACKLOG);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot bind the ops server to " + settings.bindAddress() + ":" + settings.port(), e);
    }
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    OpsServer ops = new OpsServer(server, executor, settings.stopGrace());
    server.createContext(
        Deployment.LIVENESS_PATH, getOnly(exchange -> health(exchange, ops.livenessChecks, true)));
    server.createContext(
        Deployment.READINESS_PATH,
        getOnly(exchange -> health(exchange, ops.readinessChecks, false)));
    server.createContext(Deployment.METRICS_PATH, getOnly(exchange -> metrics(exchange, registry)));
    server.createContext("/", exchange -> respond(exchange, NOT_FOUND, "text/plain", "not found"));
    server.setExecutor(executor);
    server.start();
    LOG.info("ops server listening on {}", server.getAddress());
    return ops;
  }

  /** Adds a condition for {@link Deployment#READINESS_PATH}. */
  public OpsServer addReadinessCheck(HealthCheck check) {
    readinessChecks.add(Objects.requireNonNull(check, "check"));
    return this;
  }

  /** Adds a condition for {@link Deployment#LIVENESS_PATH}; failing it gets the pod restarted. */
  public OpsServer addLivenessCheck(HealthCheck check) {
    livenessChecks.add(Objects.requireNonNull(check, "check"));
    return this;
  }

  /** Ready while {@code streams} serves, live until it has failed for good. */
  public OpsServer watch(KafkaStreams streams) {
    return addReadinessCheck(HealthCheck.kafkaStreamsServing(streams))
        .addLivenessCheck(HealthCheck.kafkaStreamsAlive(streams));
  }

  /** The bound port (the real one when started with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Stops accepting, lets exchanges in progress finish within the grace period, then stops. */
  @Override
  public void close() {
    server.stop((int) Math.max(0, stopGrace.toSeconds()));
    executor.close();
    LOG.info("ops server stopped");
  }

  private static void health(HttpExchange exchange, List<HealthCheck> checks, boolean upIfNone)
      throws IOException {
    ObjectNode checkNodes = JSON.createObjectNode();
    boolean allUp = upIfNone || !checks.isEmpty();
    for (HealthCheck check : checks) {
      boolean up = check.isUp();
      allUp &= up;
      checkNodes.put(check.name(), up ? UP : DOWN);
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("status", allUp ? UP : DOWN);
    body.set("checks", checkNodes);
    respond(
        exchange,
        allUp ? OK : SERVICE_UNAVAILABLE,
        JSON_CONTENT_TYPE,
        JSON.writeValueAsString(body));
  }

  private static void metrics(HttpExchange exchange, PrometheusMeterRegistry registry)
      throws IOException {
    respond(exchange, OK, PROMETHEUS_CONTENT_TYPE, registry.scrape());
  }

  private static HttpHandler getOnly(HttpHandler handler) {
    return exchange -> {
      try {
        String method = exchange.getRequestMethod();
        // Contexts match by prefix; /health/live-ish or /metrics/x are not ours.
        if (!exchange.getRequestURI().getPath().equals(exchange.getHttpContext().getPath())) {
          respond(exchange, NOT_FOUND, "text/plain", "not found");
        } else if (method.equals("GET") || method.equals("HEAD")) {
          handler.handle(exchange);
        } else {
          exchange.getResponseHeaders().add("Allow", "GET, HEAD");
          respond(exchange, METHOD_NOT_ALLOWED, "text/plain", "method not allowed");
        }
      } catch (IOException | RuntimeException e) {
        LOG.warn("ops request {} failed", exchange.getRequestURI(), e);
        throw e;
      } finally {
        exchange.close();
      }
    };
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", contentType);
    boolean head = exchange.getRequestMethod().equals("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
    exchange.close();
  }
}
