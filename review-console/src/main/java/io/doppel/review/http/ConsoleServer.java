package io.doppel.review.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.doppel.review.access.AccessPolicy;
import io.doppel.review.access.Reviewer;
import io.doppel.review.access.Role;
import io.doppel.review.access.RoleMapping;
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
 * no data); everything under {@code /api/} needs a signed-in reviewer ({@link SignIn}: identity
 * headers from a trusted proxy, or this console's session cookie), and every endpoint that touches
 * a report asks {@link AccessPolicy} first: a report of a tenant the reviewer holds no role in
 * answers exactly as an unknown one (404), so its existence is not disclosed.
 *
 * <pre>
 * GET  /                                   the page (index.html, app.js, app.css)
 * GET  /sign-in?link=…                     redeems a sign-in link: sets the session, back to /
 * GET  /api/whoami                         {"reviewer": name, "roles": {tenant: role}}
 * GET  /api/reports?tenant=&decision=&minScore=&rightsHolder=&undecided=true&limit=
 *                                          {"reports": [summary…]} newest first, own tenants only
 * GET  /api/reports/{id}                   the report: matches, regions, hints, versions, decisions,
 *                                          the reviewer's role and the actions it allows
 * GET  /api/reports/{id}/images/query      the reported image, if its bytes are those analysed
 * GET  /api/reports/{id}/images/match/{i}  the image of match i, likewise
 * POST /api/reports/{id}/decisions         {"match": i, "action": "DISMISS", "note": "…"} → 201 the decision
 * </pre>
 *
 * POSTs must carry {@value #CSRF_HEADER}: a page of another site cannot add it without a CORS
 * preflight, which this server never grants, so a signed-in browser cannot be made to decide.
 */
public final class ConsoleServer implements AutoCloseable {

  /** The header every state-changing request must carry (any non-blank value). */
  public static final String CSRF_HEADER = "X-Doppel-Console";

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
  private final SignIn signIn;
  private final RoleMapping roles;
  private final Clock clock;
  private final ReportJson render = new ReportJson(JSON);

  private ConsoleServer(
      HttpServer server,
      ExecutorService executor,
      ReportQueue queue,
      ReportImages images,
      DecisionSink decisions,
      SignIn signIn,
      RoleMapping roles,
      Clock clock) {
    this.server = server;
    this.executor = executor;
    this.queue = queue;
    this.images = images;
    this.decisions = decisions;
    this.signIn = signIn;
    this.roles = roles;
    this.clock = clock;
  }

  public static ConsoleServer start(
      String bindAddress,
      int port,
      ReportQueue queue,
      ReportImages images,
      DecisionSink decisions,
      SignIn signIn,
      RoleMapping roles,
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
        new ConsoleServer(server, executor, queue, images, decisions, signIn, roles, clock);
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
      if (path.equals("/sign-in") && method.equals("GET")) {
        redeemLink(exchange);
        return;
      }
      if (!path.startsWith("/api/")) {
        serveStatic(exchange, path, method);
        return;
      }
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      SignIn.Result result = signIn.authenticate(
          exchange.getRemoteAddress().getAddress(),
          exchange.getRequestHeaders()::getFirst,
          clock.instant());
      if (!(result instanceof SignIn.Result.SignedIn signedIn)) {
        if (((SignIn.Result.Anonymous) result).untrustedHeaders()) {
          LOG.warn(
              "identity headers from {}, which is not a trusted proxy, were ignored",
              exchange.getRemoteAddress().getAddress().getHostAddress());
        }
        error(exchange, 401, "not signed in: sign in through your organisation's sign-in");
        return;
      }
      signedIn.setCookie().ifPresent(c -> exchange.getResponseHeaders().add("Set-Cookie", c));
      Reviewer reviewer =
          roles.resolve(signedIn.identity().name(), signedIn.identity().groups());
      if (method.equals("POST") && isBlank(exchange.getRequestHeaders().getFirst(CSRF_HEADER))) {
        error(exchange, 403, "state-changing requests need the " + CSRF_HEADER + " header");
        return;
      }
      route(exchange, path, method, reviewer);
    } catch (IOException | RuntimeException e) {
      LOG.warn("review console request {} failed", exchange.getRequestURI().getPath(), e);
    }
  }

  private void redeemLink(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    String link = queryParameters(exchange.getRequestURI().getRawQuery()).get("link");
    Optional<SignIn.Result.SignedIn> signedIn =
        link == null ? Optional.empty() : signIn.redeem(link, clock.instant());
    if (signedIn.isEmpty()) {
      error(exchange, 401, "this sign-in link is not valid or has expired");
      return;
    }
    signedIn.get().setCookie().ifPresent(c -> exchange.getResponseHeaders().add("Set-Cookie", c));
    LOG.info("{} signed in with a sign-in link", signedIn.get().identity().name());
    exchange.getResponseHeaders().set("Location", "/");
    exchange.sendResponseHeaders(303, -1);
  }

  private void route(HttpExchange exchange, String path, String method, Reviewer reviewer)
      throws IOException {
    Matcher m;
    if (path.equals("/api/whoami") && method.equals("GET")) {
      ObjectNode body = JSON.createObjectNode().put("reviewer", reviewer.name());
      ObjectNode tenants = body.putObject("roles");
      reviewer.rolesForDisplay().forEach((tenant, role) -> tenants.put(tenant, role.label()));
      send(exchange, 200, body);
    } else if (path.equals("/api/reports") && method.equals("GET")) {
      listReports(exchange, reviewer);
    } else if ((m = QUERY_IMAGE.matcher(path)).matches() && method.equals("GET")) {
      image(exchange, m.group(1), new ReportImages.Slot.Query(), reviewer);
    } else if ((m = MATCH_IMAGE.matcher(path)).matches() && method.equals("GET")) {
      image(
          exchange,
          m.group(1),
          new ReportImages.Slot.Matched(Integer.parseInt(m.group(2))),
          reviewer);
    } else if ((m = DECISIONS.matcher(path)).matches() && method.equals("POST")) {
      decide(exchange, m.group(1), reviewer);
    } else if ((m = REPORT.matcher(path)).matches() && method.equals("GET")) {
      Optional<Report> report = visibleReport(m.group(1), reviewer);
      if (report.isEmpty()) {
        error(exchange, 404, "no report " + m.group(1));
      } else {
        send(exchange, 200, detail(report.get(), reviewer));
      }
    } else {
      error(exchange, 404, "not found: " + method + " " + path);
    }
  }

  /** The report {@code id} if it exists and {@code reviewer} sees its tenant; one they may not see is absent. */
  private Optional<Report> visibleReport(String id, Reviewer reviewer) {
    return queue.get(id).filter(r -> AccessPolicy.sees(reviewer, r.event().getTenant()));
  }

  private ObjectNode detail(Report report, Reviewer reviewer) {
    String tenant = report.event().getTenant();
    ObjectNode node = render.detail(report, queue.decisionsOn(report));
    node.put("role", reviewer.roleIn(tenant).map(Role::label).orElse(null));
    node.put("uploaderAllowed", queue.uploaderAllowed(tenant, report.event().getUploader()));
    ArrayNode actions = node.putArray("actions");
    for (ReviewAction action : ReviewAction.values()) {
      if (AccessPolicy.decides(reviewer, tenant, action)) {
        actions.add(action.name());
      }
    }
    return node;
  }

  private void listReports(HttpExchange exchange, Reviewer reviewer) throws IOException {
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
    java.util.function.Predicate<String> visible = tenant -> AccessPolicy.sees(reviewer, tenant);
    ObjectNode body = JSON.createObjectNode();
    ArrayNode reports = body.putArray("reports");
    for (Report report : queue.list(filter, visible, Math.clamp(limit, 1, MAX_LIMIT))) {
      reports.add(render.summary(report, queue.decisionsOn(report)));
    }
    body.put("queued", queue.count(visible));
    send(exchange, 200, body);
  }

  private void image(
      HttpExchange exchange, String reportId, ReportImages.Slot slot, Reviewer reviewer)
      throws IOException {
    Optional<Report> report = visibleReport(reportId, reviewer);
    if (report.isEmpty()) {
      error(exchange, 404, "no report " + reportId);
      return;
    }
    ReportImages.Image image;
    try {
      image = images.fetch(report.get(), slot);
    } catch (ReportImages.UnavailableException e) {
      int status = switch (e.reason()) {
        case MISSING -> 404;
        case UNREACHABLE -> 502;
        // The source answers, but not with the analysed bytes (or they cannot be told apart).
        case CHANGED, UNVERIFIED -> 409;
      };
      error(exchange, status, e.getMessage());
      return;
    }
    exchange.getResponseHeaders().set("Content-Type", image.contentType());
    exchange.getResponseHeaders().set("Content-Disposition", "inline");
    exchange.getResponseHeaders().set("X-Doppel-Image-Verified", String.valueOf(image.verified()));
    exchange.sendResponseHeaders(200, image.bytes().length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(image.bytes());
    }
  }

  private void decide(HttpExchange exchange, String reportId, Reviewer reviewer)
      throws IOException {
    Optional<Report> report = visibleReport(reportId, reviewer);
    if (report.isEmpty()) {
      error(exchange, 404, "no report " + reportId);
      return;
    }
    String tenant = report.get().event().getTenant();
    ReviewAction action;
    int matchIndex;
    String note;
    try {
      JsonNode request = JSON.readTree(readBody(exchange));
      if (request == null
          || !request.path("match").isInt()
          || !request.path("action").isTextual()) {
        error(
            exchange,
            400,
            "expected {\"match\": index, \"action\":"
                + " CONFIRM|DISMISS|ALLOW_PAIR|ALLOW_UPLOADER|REVOKE_UPLOADER}");
        return;
      }
      action = ReviewAction.valueOf(request.path("action").asText());
      matchIndex = request.path("match").asInt();
      note = request.path("note").isTextual() ? request.path("note").asText() : null;
    } catch (IllegalArgumentException | IOException e) {
      error(exchange, 400, "bad decision: " + e.getMessage());
      return;
    }
    Optional<String> refusal = AccessPolicy.refusal(reviewer, tenant, action);
    if (refusal.isPresent()) {
      LOG.warn(
          "{} was refused {} on report {}: {}", reviewer.name(), action, reportId, refusal.get());
      error(exchange, 403, refusal.get());
      return;
    }
    if (action == ReviewAction.REVOKE_UPLOADER
        && !queue.uploaderAllowed(tenant, report.get().event().getUploader())) {
      error(exchange, 409, "the uploader of report " + reportId + " is not allow-listed");
      return;
    }
    ReviewDecision decision;
    try {
      decision = Decisions.of(
          report.get(),
          matchIndex,
          action,
          reviewer.name(),
          reviewer.roleIn(tenant).orElseThrow().label(),
          note,
          clock.instant());
    } catch (IllegalArgumentException e) {
      error(exchange, 400, "bad decision: " + e.getMessage());
      return;
    }
    try {
      decisions.publish(decision);
    } catch (RuntimeException e) {
      LOG.error("decision on report {} by {} was not recorded", reportId, reviewer.name(), e);
      error(exchange, 503, "the decision was not recorded, try again: " + e.getMessage());
      return;
    }
    queue.accept(decision);
    // The decision on review-feedback is the audit record; this line is its trace in the log.
    LOG.info(
        "{} ({}) decided {} on {}/{} (match {}/{}, uploader {}, decision {})",
        reviewer.name(),
        decision.getReviewerRole(),
        decision.getAction(),
        decision.getTenant(),
        decision.getImageId(),
        decision.getMatch().getTenant(),
        decision.getMatch().getImageId(),
        decision.getUploader(),
        decision.getDecisionId());
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

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
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
