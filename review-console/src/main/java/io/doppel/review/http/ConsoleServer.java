package io.doppel.review.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.doppel.review.feedback.DecisionSink;
import io.doppel.review.feedback.Decisions;
import io.doppel.review.images.ReportImages;
import io.doppel.review.queue.Report;
import io.doppel.review.queue.ReportFilter;
import io.doppel.review.queue.ReportQueue;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.ReviewDecision;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's HTTP side, on the JDK's own server. The page and its script are public (they hold
 * no data); everything under {@code /api/} needs {@code Authorization: Bearer <token>}.
 *
 * <pre>
 * GET  /                                   the page (index.html, app.js, app.css)
 * GET  /api/whoami                         {"reviewer": name}
 * GET  /api/reports?tenant=&decision=&minScore=&rightsHolder=&undecided=true&limit=
 *                                          {"reports": [summary…]} newest first
 * GET  /api/reports/{id}                   the report: matches, regions, hints, versions, decisions
 * GET  /api/reports/{id}/images/query      the reported image
 * GET  /api/reports/{id}/images/match/{i}  the image of match i
 * POST /api/reports/{id}/decisions         {"match": i, "action": "DISMISS", "note": "…"} → 201 the decision
 * </pre>
 */
public final class ConsoleServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BACKLOG = 64;
  private static final int DEFAULT_LIMIT = 200;
  private static final int MAX_LIMIT = 2_000;
  private static final int MAX_BODY_BYTES = 16 * 1024;
  private static final int STOP_GRACE_SECONDS = 1;
  private static final String JSON_TYPE = "application/json";
  private static final String WEB = "/io/doppel/review/web/";
  private static final Map<String, String> STATIC = Map.of(
      "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/app.css", "app.css");
  private static final Map<String, String> STATIC_TYPES = Map.of(
      "html",
      "text/html; charset=utf-8",
      "js",
      "text/javascript; charset=utf-8",
      "css",
      "text/css; charset=utf-8");
  private static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:;"
          + " connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

  private static final Pattern REPORT = Pattern.compile("/api/reports/([A-Za-z0-9._-]+)");
  private static final Pattern QUERY_IMAGE =
      Pattern.compile("/api/reports/([A-Za-z0-9._-]+)/images/query");
  private static final Pattern MATCH_IMAGE =
      Pattern.compile("/api/reports/([A-Za-z0-9._-]+)/images/match/(\\d{1,4})");
  private static final Pattern DECISIONS =
      Pattern.compile("/api/reports/([A-Za-z0-9._-]+)/decisions");

  private final HttpServer server;
  private final ExecutorService executor;
  private final ReportQueue queue;
  private final ReportImages images;
  private final DecisionSink decisions;
  private final Reviewers reviewers;
  private final Clock clock;
  private final ReportJson render = new ReportJson(JSON);

  private ConsoleServer(
      HttpServer server,
      ExecutorService executor,
      ReportQueue queue,
      ReportImages images,
      DecisionSink decisions,
      Reviewers reviewers,
      Clock clock) {
    this.server = server;
    this.executor = executor;
    this.queue = queue;
    this.images = images;
    this.decisions = decisions;
    this.reviewers = reviewers;
    this.clock = clock;
  }

  public static ConsoleServer start(
      String bindAddress,
      int port,
      ReportQueue queue,
      ReportImages images,
      DecisionSink decisions,
      Reviewers reviewers,
      Clock clock) {
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(bindAddress, port), BACKLOG);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot bind the review console to " + bindAddress + ":" + port, e);
    }
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    ConsoleServer console =
        new ConsoleServer(server, executor, queue, images, decisions, reviewers, clock);
    server.createContext("/", console::handle);
    server.setExecutor(executor);
    server.start();
    LOG.info("review console listening on {}", server.getAddress());
    return console;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) {
    try (exchange) {
      exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
      exchange.getResponseHeaders().set("Content-Security-Policy", CSP);
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (!path.startsWith("/api/")) {
        serveStatic(exchange, path, method);
        return;
      }
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      Optional<String> reviewer =
          reviewers.authenticate(exchange.getRequestHeaders().getFirst("Authorization"));
      if (reviewer.isEmpty()) {
        exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"doppel-review\"");
        error(exchange, 401, "a reviewer token is required (Authorization: Bearer …)");
        return;
      }
      route(exchange, path, method, reviewer.get());
    } catch (IOException | RuntimeException e) {
      LOG.warn("review console request {} failed", exchange.getRequestURI().getPath(), e);
    }
  }

  private void route(HttpExchange exchange, String path, String method, String reviewer)
      throws IOException {
    Matcher m;
    if (path.equals("/api/whoami") && method.equals("GET")) {
      send(exchange, 200, JSON.createObjectNode().put("reviewer", reviewer));
    } else if (path.equals("/api/reports") && method.equals("GET")) {
      listReports(exchange);
    } else if ((m = QUERY_IMAGE.matcher(path)).matches() && method.equals("GET")) {
      image(exchange, m.group(1), new ReportImages.Slot.Query());
    } else if ((m = MATCH_IMAGE.matcher(path)).matches() && method.equals("GET")) {
      image(exchange, m.group(1), new ReportImages.Slot.Matched(Integer.parseInt(m.group(2))));
    } else if ((m = DECISIONS.matcher(path)).matches() && method.equals("POST")) {
      decide(exchange, m.group(1), reviewer);
    } else if ((m = REPORT.matcher(path)).matches() && method.equals("GET")) {
      Optional<Report> report = queue.get(m.group(1));
      if (report.isEmpty()) {
        error(exchange, 404, "no report " + m.group(1));
      } else {
        send(exchange, 200, render.detail(report.get(), queue.decisionsOn(report.get())));
      }
    } else {
      error(exchange, 404, "not found: " + method + " " + path);
    }
  }

  private void listReports(HttpExchange exchange) throws IOException {
    Map<String, String> query = queryParameters(exchange.getRequestURI().getRawQuery());
    ReportFilter filter;
    int limit;
    try {
      filter = new ReportFilter(
          blankToNull(query.get("tenant")),
          query.containsKey("decision") && !query.get("decision").isBlank()
              ? Decision.valueOf(query.get("decision"))
              : null,
          query.containsKey("minScore") && !query.get("minScore").isBlank()
              ? Float.valueOf(query.get("minScore"))
              : null,
          blankToNull(query.get("rightsHolder")),
          "true".equals(query.get("undecided")));
      limit = query.containsKey("limit") ? Integer.parseInt(query.get("limit")) : DEFAULT_LIMIT;
    } catch (IllegalArgumentException e) {
      error(exchange, 400, "bad filter: " + e.getMessage());
      return;
    }
    ObjectNode body = JSON.createObjectNode();
    ArrayNode reports = body.putArray("reports");
    for (Report report : queue.list(filter, Math.clamp(limit, 1, MAX_LIMIT))) {
      reports.add(render.summary(report, queue.decisionsOn(report)));
    }
    body.put("queued", queue.size());
    send(exchange, 200, body);
  }

  private void image(HttpExchange exchange, String reportId, ReportImages.Slot slot)
      throws IOException {
    Optional<Report> report = queue.get(reportId);
    if (report.isEmpty()) {
      error(exchange, 404, "no report " + reportId);
      return;
    }
    ReportImages.Image image;
    try {
      image = images.fetch(report.get(), slot);
    } catch (ReportImages.UnavailableException e) {
      error(exchange, e.missing() ? 404 : 502, e.getMessage());
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", image.contentType());
    exchange.getResponseHeaders().set("Content-Disposition", "inline");
    exchange.sendResponseHeaders(200, image.bytes().length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(image.bytes());
    }
  }

  private void decide(HttpExchange exchange, String reportId, String reviewer) throws IOException {
    Optional<Report> report = queue.get(reportId);
    if (report.isEmpty()) {
      error(exchange, 404, "no report " + reportId);
      return;
    }
    ReviewDecision decision;
    try {
      JsonNode request = JSON.readTree(readBody(exchange));
      if (request == null
          || !request.path("match").isInt()
          || !request.path("action").isTextual()) {
        error(
            exchange,
            400,
            "expected {\"match\": index, \"action\": CONFIRM|DISMISS|ALLOW_PAIR|ALLOW_UPLOADER}");
        return;
      }
      String note = request.path("note").isTextual() ? request.path("note").asText() : null;
      decision = Decisions.of(
          report.get(),
          request.path("match").asInt(),
          ReviewAction.valueOf(request.path("action").asText()),
          reviewer,
          note,
          clock.instant());
    } catch (IllegalArgumentException | IOException e) {
      error(exchange, 400, "bad decision: " + e.getMessage());
      return;
    }
    try {
      decisions.publish(decision);
    } catch (RuntimeException e) {
      LOG.error("decision on report {} by {} was not recorded", reportId, reviewer, e);
      error(exchange, 503, "the decision was not recorded, try again: " + e.getMessage());
      return;
    }
    queue.accept(decision);
    LOG.info(
        "{} decided {} on {}/{} (match {}/{})",
        reviewer,
        decision.getAction(),
        decision.getTenant(),
        decision.getImageId(),
        decision.getMatch().getTenant(),
        decision.getMatch().getImageId());
    send(exchange, 201, render.decision(decision));
  }

  private void serveStatic(HttpExchange exchange, String path, String method) throws IOException {
    String file = STATIC.get(path);
    if (file == null || !(method.equals("GET") || method.equals("HEAD"))) {
      error(exchange, 404, "not found");
      return;
    }
    byte[] bytes;
    try (InputStream in = ConsoleServer.class.getResourceAsStream(WEB + file)) {
      bytes = in.readAllBytes();
    }
    exchange
        .getResponseHeaders()
        .set("Content-Type", STATIC_TYPES.get(file.substring(file.lastIndexOf('.') + 1)));
    exchange.getResponseHeaders().set("Cache-Control", "no-cache");
    boolean head = method.equals("HEAD");
    exchange.sendResponseHeaders(200, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static byte[] readBody(HttpExchange exchange) throws IOException {
    try (InputStream in = exchange.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
      if (body.length > MAX_BODY_BYTES) {
        throw new IOException("request body above " + MAX_BODY_BYTES + " bytes");
      }
      return body;
    }
  }

  private static Map<String, String> queryParameters(String rawQuery) {
    Map<String, String> parameters = new HashMap<>();
    if (rawQuery == null) {
      return parameters;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        parameters.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return parameters;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private static void error(HttpExchange exchange, int status, String message) throws IOException {
    // a signed source URL's query is its secret: error pages name URLs without it
    send(
        exchange,
        status,
        JSON.createObjectNode()
            .put("error", io.doppel.topology.intake.SourceUrls.scrubbed(message)));
  }

  private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", JSON_TYPE);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(STOP_GRACE_SECONDS);
    executor.close();
  }
}
