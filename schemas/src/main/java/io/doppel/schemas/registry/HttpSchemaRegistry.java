package io.doppel.schemas.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * A client of the Confluent Schema Registry REST API (also served by Apicurio's ccompat API,
 * Karapace and Redpanda). Only the two calls the serdes need:
 *
 * <ul>
 *   <li>{@code POST /subjects/{subject}/versions} with {@code {"schema": "<json>"}} → {@code {"id": n}}
 *   <li>{@code GET /schemas/ids/{id}} → {@code {"schema": "<json>"}}
 * </ul>
 *
 * Both directions are cached for the life of the client: a schema costs one call per subject, an
 * id one call ever. I/O errors, timeouts, 429 and 5xx are retried with exponential backoff and
 * jitter; 4xx are not, since asking again gets the same answer.
 */
public final class HttpSchemaRegistry implements SchemaRegistry, AutoCloseable {

  public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  /** Confluent's error code for "schema not found". */
  public static final int ERROR_CODE_SCHEMA_NOT_FOUND = 40403;

  private static final int HTTP_NOT_FOUND = 404;
  private static final int HTTP_TOO_MANY_REQUESTS = 429;
  private static final int HTTP_SERVER_ERROR = 500;
  private static final String RETRY_NAME = "schema-registry";
  /** A non-JSON error body (an HTML page from a proxy, say) is cut to this length in messages. */
  private static final int MAX_ERROR_BODY_CHARS = 300;

  private final Settings settings;
  private final HttpClient http;
  private final Retry retry;
  private final ObjectMapper json = new ObjectMapper();
  private final ConcurrentMap<SubjectSchema, Integer> idsBySubjectSchema =
      new ConcurrentHashMap<>();
  private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();

  private record SubjectSchema(String subject, Schema schema) {}

  public HttpSchemaRegistry(Settings settings) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.http = HttpClient.newBuilder()
        .connectTimeout(settings.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .build();
    Retries retries = settings.retries();
    this.retry = Retry.of(
        RETRY_NAME,
        RetryConfig.custom()
            .maxAttempts(retries.maxAttempts())
            .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(
                retries.initialBackoff(),
                retries.multiplier(),
                retries.jitter(),
                retries.maxBackoff()))
            .retryOnException(HttpSchemaRegistry::isTransient)
            .build());
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public int register(String subject, Schema schema) {
    Objects.requireNonNull(schema, "schema");
    if (subject == null || subject.isBlank()) {
      throw new IllegalArgumentException("subject must not be blank");
    }
    int id = idsBySubjectSchema.computeIfAbsent(
        new SubjectSchema(subject, schema), this::registerRemotely);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  @Override
  public Schema schemaById(int id) {
    return schemasById.computeIfAbsent(id, this::fetchRemotely);
  }

  @Override
  public void close() {
    http.close();
  }

  private int registerRemotely(SubjectSchema key) {
    String what =
        "registering " + key.schema().getFullName() + " under subject '" + key.subject() + "'";
    String body;
    try {
      body = json.writeValueAsString(Map.of("schema", key.schema().toString()));
    } catch (JsonProcessingException e) {
      throw new SchemaRegistryException(what + ": cannot write the request body", e);
    }
    HttpRequest request = request("/subjects/" + pathSegment(key.subject()) + "/versions")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
    JsonNode id = call(what, request).get("id");
    if (id == null || !id.canConvertToInt()) {
      throw new SchemaRegistryException(what + ": the answer has no integer 'id'", null);
    }
    return id.intValue();
  }

  private Schema fetchRemotely(int id) {
    String what = "looking up schema id " + id;
    HttpRequest request = request("/schemas/ids/" + id).GET().build();
    JsonNode schema = call(what, request).get("schema");
    if (schema == null || !schema.isTextual()) {
      throw new SchemaRegistryException(what + ": the answer has no 'schema' string", null);
    }
    try {
      return new Schema.Parser().parse(schema.textValue());
    } catch (SchemaParseException e) {
      throw new SchemaRegistryException(
          what + ": the registry's schema is not valid Avro: " + e.getMessage(), e);
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(settings.baseUrl() + path))
        .timeout(settings.requestTimeout())
        .header("Accept", CONTENT_TYPE)
        .header("Content-Type", CONTENT_TYPE);
    settings
        .auth()
        .authorizationHeader()
        .ifPresent(value -> builder.header("Authorization", value));
    return builder;
  }

  private JsonNode call(String what, HttpRequest request) {
    return Retry.decorateSupplier(retry, () -> sendOnce(what, request)).get();
  }

  private JsonNode sendOnce(String what, HttpRequest request) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new SchemaRegistryException(
          what + ": cannot reach the registry at " + settings.baseUrl() + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SchemaRegistryException(what + ": interrupted", e);
    }
    int status = response.statusCode();
    JsonNode body = parse(response.body());
    if (status / 100 == 2) {
      if (body == null) {
        throw new SchemaRegistryException(
            what + ": HTTP " + status + " but the body is not JSON",
            null,
            OptionalInt.of(status),
            OptionalInt.empty());
      }
      return body;
    }
    throw failure(what, status, body, response.body());
  }

  private SchemaRegistryException failure(String what, int status, JsonNode body, String rawBody) {
    OptionalInt errorCode = body != null && body.path("error_code").canConvertToInt()
        ? OptionalInt.of(body.get("error_code").intValue())
        : OptionalInt.empty();
    String message = body != null && body.path("message").isTextual()
        ? body.get("message").textValue()
        : abbreviate(rawBody);
    String text = what + " at " + settings.baseUrl() + ": HTTP " + status
        + errorCode.stream()
            .mapToObj(code -> ", error_code " + code)
            .findFirst()
            .orElse("")
        + (message == null || message.isBlank() ? "" : ": " + message);
    if (status == HTTP_NOT_FOUND
        && errorCode.orElse(ERROR_CODE_SCHEMA_NOT_FOUND) == ERROR_CODE_SCHEMA_NOT_FOUND) {
      return new UnknownSchemaException(text, OptionalInt.of(status), errorCode);
    }
    return new SchemaRegistryException(text, null, OptionalInt.of(status), errorCode);
  }

  private static String abbreviate(String body) {
    return body == null || body.length() <= MAX_ERROR_BODY_CHARS
        ? body
        : body.substring(0, MAX_ERROR_BODY_CHARS) + "…";
  }

  private JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return json.readTree(body);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  /** I/O errors (no status), throttling and server errors may pass; other answers will not change. */
  static boolean isTransient(Throwable error) {
    if (!(error instanceof SchemaRegistryException failure)
        || failure.getCause() instanceof InterruptedException) {
      return false;
    }
    OptionalInt status = failure.httpStatus();
    if (status.isEmpty()) {
      return failure.getCause() instanceof IOException;
    }
    return status.getAsInt() == HTTP_TOO_MANY_REQUESTS || status.getAsInt() >= HTTP_SERVER_ERROR;
  }

  private static String pathSegment(String value) {
    // URLEncoder encodes for forms: a space becomes '+', which a path would read literally.
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** How the client proves who it is. The records' {@code toString} never shows a secret. */
  public sealed interface Auth permits Auth.None, Auth.Basic, Auth.Bearer {

    /** The value of the {@code Authorization} header, if any. */
    Optional<String> authorizationHeader();

    static Auth none() {
      return new None();
    }

    /**
     * The one written form every Doppel program reads: {@code Bearer <token>}, or Confluent's {@code user:password}
     * for basic authentication; null or blank means none.
     */
    static Auth parse(String value) {
      if (value == null || value.isBlank()) {
        return none();
      }
      return value.startsWith(BEARER_PREFIX)
          ? new Bearer(value.substring(BEARER_PREFIX.length()).strip())
          : Basic.fromUserInfo(value);
    }

    String BEARER_PREFIX = "Bearer ";

    record None() implements Auth {
      @Override
      public Optional<String> authorizationHeader() {
        return Optional.empty();
      }
    }

    /** HTTP basic authentication. */
    record Basic(String user, String password) implements Auth {
      public Basic {
        if (user == null || user.isEmpty() || user.contains(":")) {
          throw new IllegalArgumentException(
              "basic auth user must be non-empty and contain no ':'");
        }
        Objects.requireNonNull(
            password, "basic auth password must not be null (use \"\" for none)");
      }

      /** Confluent's {@code USER_INFO} form, {@code user:password}. */
      public static Basic fromUserInfo(String userInfo) {
        int colon = userInfo == null ? -1 : userInfo.indexOf(':');
        if (colon <= 0) {
          throw new IllegalArgumentException(
              "basic auth user info must have the form user:password");
        }
        return new Basic(userInfo.substring(0, colon), userInfo.substring(colon + 1));
      }

      @Override
      public Optional<String> authorizationHeader() {
        byte[] credentials = (user + ":" + password).getBytes(StandardCharsets.UTF_8);
        return Optional.of("Basic " + Base64.getEncoder().encodeToString(credentials));
      }

      @Override
      public String toString() {
        return "Basic[user=" + user + ", password=***]";
      }
    }

    /** A static bearer token (e.g. an OAuth access token issued out of band). */
    record Bearer(String token) implements Auth {
      public Bearer {
        if (token == null || token.isBlank()) {
          throw new IllegalArgumentException("bearer token must not be blank");
        }
      }

      @Override
      public Optional<String> authorizationHeader() {
        return Optional.of("Bearer " + token);
      }

      @Override
      public String toString() {
        return "Bearer[token=***]";
      }
    }
  }

  /**
   * Retry policy for transient failures: {@code maxAttempts} tries in all (1 = no retry); waits
   * grow from {@code initialBackoff} by {@code multiplier}, each randomised by ±{@code jitter}
   * (a share in [0,1)), capped at {@code maxBackoff}.
   */
  public record Retries(
      int maxAttempts,
      Duration initialBackoff,
      double multiplier,
      double jitter,
      Duration maxBackoff) {

    public static final Retries DEFAULT =
        new Retries(4, Duration.ofMillis(200), 2.0, 0.5, Duration.ofSeconds(5));
    public static final Retries NONE =
        new Retries(1, Duration.ofMillis(1), 1.0, 0.0, Duration.ofMillis(1));

    public Retries {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException(
            "retries.maxAttempts must be at least 1, got " + maxAttempts);
      }
      requirePositive("retries.initialBackoff", initialBackoff);
      requirePositive("retries.maxBackoff", maxBackoff);
      if (maxBackoff.compareTo(initialBackoff) < 0) {
        throw new IllegalArgumentException("retries.maxBackoff (" + maxBackoff
            + ") must not be shorter than retries.initialBackoff (" + initialBackoff + ")");
      }
      if (!(multiplier >= 1.0)) {
        throw new IllegalArgumentException(
            "retries.multiplier must be at least 1.0, got " + multiplier);
      }
      if (!(jitter >= 0.0 && jitter < 1.0)) {
        throw new IllegalArgumentException("retries.jitter must be in [0,1), got " + jitter);
      }
    }
  }

  /**
   * Everything the client needs, validated on construction. {@code baseUrl} is the API root, e.g.
   * {@code https://registry:8081} for Confluent or {@code http://host:8080/apis/ccompat/v7} for
   * Apicurio; credentials go in {@code auth}, never in the URL, so that the URL is safe to log.
   */
  public record Settings(
      URI baseUrl, Auth auth, Duration connectTimeout, Duration requestTimeout, Retries retries) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /** Configuration keys read by {@link #fromConfig}. Only the URL is required. */
    public static final String URL = "schema.registry.url";

    public static final String BASIC_AUTH_USER_INFO = "schema.registry.basic.auth.user.info";
    public static final String BEARER_AUTH_TOKEN = "schema.registry.bearer.auth.token";
    public static final String CONNECT_TIMEOUT_MS = "schema.registry.connect.timeout.ms";
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";
    public static final String RETRY_MAX_ATTEMPTS = "schema.registry.retry.max.attempts";
    public static final String RETRY_INITIAL_BACKOFF_MS =
        "schema.registry.retry.initial.backoff.ms";
    public static final String RETRY_MAX_BACKOFF_MS = "schema.registry.retry.max.backoff.ms";

    public Settings {
      Objects.requireNonNull(baseUrl, "schema registry baseUrl must be set");
      if (baseUrl.getRawUserInfo() != null) {
        throw new IllegalArgumentException(
            "schema registry baseUrl must not carry credentials; put them in auth (URL host: "
                + baseUrl.getHost() + ")");
      }
      String scheme = baseUrl.getScheme();
      if (!baseUrl.isAbsolute()
          || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
          || baseUrl.getHost() == null) {
        throw new IllegalArgumentException(
            "schema registry baseUrl must be an absolute http(s) URL with a host, got " + baseUrl);
      }
      if (baseUrl.getRawQuery() != null || baseUrl.getRawFragment() != null) {
        throw new IllegalArgumentException(
            "schema registry baseUrl must have no query or fragment, got " + baseUrl);
      }
      String text = baseUrl.toString();
      baseUrl = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
      Objects.requireNonNull(auth, "schema registry auth must be set (Auth.none() for none)");
      requirePositive("schema registry connectTimeout", connectTimeout);
      requirePositive("schema registry requestTimeout", requestTimeout);
      Objects.requireNonNull(
          retries, "schema registry retries must be set (Retries.NONE for none)");
    }

    /** No auth, default timeouts and retries. */
    public static Settings of(String baseUrl) {
      return new Settings(
          parseUrl(baseUrl),
          Auth.none(),
          DEFAULT_CONNECT_TIMEOUT,
          DEFAULT_REQUEST_TIMEOUT,
          Retries.DEFAULT);
    }

    public Settings withAuth(Auth newAuth) {
      return new Settings(baseUrl, newAuth, connectTimeout, requestTimeout, retries);
    }

    public Settings withTimeouts(Duration newConnectTimeout, Duration newRequestTimeout) {
      return new Settings(baseUrl, auth, newConnectTimeout, newRequestTimeout, retries);
    }

    public Settings withRetries(Retries newRetries) {
      return new Settings(baseUrl, auth, connectTimeout, requestTimeout, newRetries);
    }

    /** Reads the keys above from a service's config; missing optional keys take the defaults. */
    public static Settings fromConfig(Map<String, ?> config) {
      Object url = config.get(URL);
      if (url == null || url.toString().isBlank()) {
        throw new IllegalArgumentException(URL + " must be set");
      }
      Object userInfo = config.get(BASIC_AUTH_USER_INFO);
      Object token = config.get(BEARER_AUTH_TOKEN);
      if (userInfo != null && token != null) {
        throw new IllegalArgumentException(
            "set at most one of " + BASIC_AUTH_USER_INFO + " and " + BEARER_AUTH_TOKEN);
      }
      Auth auth = userInfo != null
          ? Auth.Basic.fromUserInfo(userInfo.toString())
          : token != null ? new Auth.Bearer(token.toString()) : Auth.none();
      Retries retries = new Retries(
          (int) number(config, RETRY_MAX_ATTEMPTS, Retries.DEFAULT.maxAttempts()),
          Duration.ofMillis(number(
              config, RETRY_INITIAL_BACKOFF_MS, Retries.DEFAULT.initialBackoff().toMillis())),
          Retries.DEFAULT.multiplier(),
          Retries.DEFAULT.jitter(),
          Duration.ofMillis(
              number(config, RETRY_MAX_BACKOFF_MS, Retries.DEFAULT.maxBackoff().toMillis())));
      return new Settings(
          parseUrl(url.toString()),
          auth,
          Duration.ofMillis(number(config, CONNECT_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT.toMillis())),
          Duration.ofMillis(number(config, REQUEST_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT.toMillis())),
          retries);
    }

    private static long number(Map<String, ?> config, String key, long fallback) {
      Object value = config.get(key);
      if (value == null) {
        return fallback;
      }
      try {
        return Long.parseLong(value.toString().trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(key + " must be a whole number, got '" + value + "'", e);
      }
    }

    private static URI parseUrl(String url) {
      try {
        return new URI(url);
      } catch (java.net.URISyntaxException e) {
        // Neither the input nor the exception (whose message quotes it) goes on: it may hold
        // credentials.
        throw new IllegalArgumentException(
            "schema registry baseUrl is not a valid URL: " + e.getReason());
      }
    }
  }

  private static void requirePositive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(name + " must be a positive duration, got " + value);
    }
  }
}
