package io.doppel.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.doppel.schemas.registry.HttpSchemaRegistry.Auth;
import io.doppel.schemas.registry.HttpSchemaRegistry.Retries;
import io.doppel.schemas.registry.HttpSchemaRegistry.Settings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client's own behaviour: caching, retries, auth, URL encoding and errors. A real registry
 * never answers 503 or 429 on demand, so these run against a small scripted HTTP server (the
 * JDK's) that plays back answers and records what it was asked; the contract suite covers the
 * real registry.
 */
class HttpSchemaRegistryTest {

  private static final Schema SCHEMA = SchemaBuilder.record("Probe")
      .namespace("io.doppel.test")
      .fields()
      .requiredString("tenant")
      .endRecord();
  private static final Retries FAST_RETRIES =
      new Retries(3, Duration.ofMillis(1), 2.0, 0.5, Duration.ofMillis(5));

  private record Answer(int status, String body) {}

  private record Seen(
      String method, String rawPath, String authorization, String contentType, String body) {}

  private HttpServer server;
  private final Deque<Answer> script = new ConcurrentLinkedDeque<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startScriptedServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::answer);
    server.start();
  }

  @AfterEach
  void stopScriptedServer() {
    server.stop(0);
  }

  private synchronized void answer(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    seen.add(new Seen(
        exchange.getRequestMethod(),
        exchange.getRequestURI().getRawPath(),
        exchange.getRequestHeaders().getFirst("Authorization"),
        exchange.getRequestHeaders().getFirst("Content-Type"),
        body));
    Answer next = script.isEmpty()
        ? new Answer(500, "{\"error_code\":50001,\"message\":\"unscripted\"}")
        : script.poll();
    byte[] bytes = next.body().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", HttpSchemaRegistry.CONTENT_TYPE);
    exchange.sendResponseHeaders(next.status(), bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private void then(int status, String body) {
    script.add(new Answer(status, body));
  }

  private HttpSchemaRegistry client(Auth auth) {
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/apis/ccompat/v7/";
    return new HttpSchemaRegistry(Settings.of(url).withAuth(auth).withRetries(FAST_RETRIES));
  }

  @Test
  void registersWithTheConfluentRequestAndCachesPerSubject() {
    then(200, "{\"id\":7}");
    then(200, "{\"id\":7}");
    try (HttpSchemaRegistry registry = client(Auth.none())) {
      assertThat(registry.register("doppel.uploads-value", SCHEMA)).isEqualTo(7);
      assertThat(registry.register("doppel.uploads-value", SCHEMA)).isEqualTo(7);
      assertThat(registry.register("doppel.features-value", SCHEMA)).isEqualTo(7);
      assertThat(registry.schemaById(7)).isEqualTo(SCHEMA);
    }

    assertThat(seen)
        .extracting(Seen::method, Seen::rawPath)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "POST", "/apis/ccompat/v7/subjects/doppel.uploads-value/versions"),
            org.assertj.core.groups.Tuple.tuple(
                "POST", "/apis/ccompat/v7/subjects/doppel.features-value/versions"));
    assertThat(seen.getFirst().contentType()).isEqualTo(HttpSchemaRegistry.CONTENT_TYPE);
    assertThat(seen.getFirst().body())
        .isEqualTo("{\"schema\":"
            + com.fasterxml.jackson.databind.node.TextNode.valueOf(SCHEMA.toString()) + "}");
  }

  @Test
  void looksUpAnIdOnlyOnce() {
    then(
        200,
        "{\"schema\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(SCHEMA.toString())
            + "}");
    try (HttpSchemaRegistry registry = client(Auth.none())) {
      assertThat(registry.schemaById(42)).isEqualTo(SCHEMA);
      assertThat(registry.schemaById(42)).isEqualTo(SCHEMA);
    }
    assertThat(seen).extracting(Seen::rawPath).containsExactly("/apis/ccompat/v7/schemas/ids/42");
  }

  @Test
  void encodesSubjectsAsOnePathSegment() {
    then(200, "{\"id\":1}");
    try (HttpSchemaRegistry registry = client(Auth.none())) {
      registry.register("tenant a/b+c-value", SCHEMA);
    }
    assertThat(seen.getFirst().rawPath())
        .isEqualTo("/apis/ccompat/v7/subjects/tenant%20a%2Fb%2Bc-value/versions");
  }

  @Test
  void retriesServerErrorsAndThrottling() {
    then(503, "{\"error_code\":50301,\"message\":\"busy\"}");
    then(429, "{\"error_code\":42901,\"message\":\"slow down\"}");
    then(200, "{\"id\":3}");
    try (HttpSchemaRegistry registry = client(Auth.none())) {
      assertThat(registry.register("s-value", SCHEMA)).isEqualTo(3);
    }
    assertThat(seen).hasSize(3);
  }

  @Test
  void givesUpAfterTheLastAttemptWithTheRegistrysError() {
    then(500, "{\"error_code\":50001,\"message\":\"store down\"}");
    then(500, "{\"error_code\":50001,\"message\":\"store down\"}");
    then(500, "{\"error_code\":50001,\"message\":\"store down\"}");
    try (HttpSchemaRegistry registry = client(Auth.none())) {
      assertThatThrownBy(() -> registry.register("s-value", SCHEMA))
          .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
            assertThat(e.httpStatus()).hasValue(500);
            assertThat(e.errorCode()).hasValue(50001);
          })
          .hasMessageContaining("store down")
          .hasMessageContaining("s-value");
    }
    assertThat(seen).hasSize(FAST_RETRIES.maxAttempts());
  }

  @Test
  void doesNotRetryClientErrors() {
    then(409, "{\"error_code\":409,\"message\":\"Schema being registered is incompatible\"}");
    try (HttpSchemaRegistry registry = client(Auth.none())) {
      assertThatThrownBy(() -> registry.register("s-value", SCHEMA))
          .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
            assertThat(e).isNotInstanceOf(UnknownSchemaException.class);
            assertThat(e.httpStatus()).hasValue(409);
            assertThat(e.errorCode()).hasValue(409);
          })
          .hasMessageContaining("incompatible");
    }
    assertThat(seen).hasSize(1);
  }

  @Test
  void aMissingIdIsAnUnknownSchemaException() {
    then(404, "{\"error_code\":40403,\"message\":\"Schema 5 not found\"}");
    try (HttpSchemaRegistry registry = client(Auth.none())) {
      assertThatThrownBy(() -> registry.schemaById(5))
          .isInstanceOfSatisfying(
              UnknownSchemaException.class, e -> assertThat(e.errorCode()).hasValue(40403))
          .hasMessageContaining("schema id 5");
    }
    assertThat(seen).hasSize(1);
  }

  @Test
  void aNonJsonErrorPageStillGivesTheStatus() {
    then(502, "<html>bad gateway</html>");
    then(502, "<html>bad gateway</html>");
    then(502, "<html>bad gateway</html>");
    try (HttpSchemaRegistry registry = client(Auth.none())) {
      assertThatThrownBy(() -> registry.schemaById(1))
          .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
            assertThat(e.httpStatus()).hasValue(502);
            assertThat(e.errorCode()).isEmpty();
          })
          .hasMessageContaining("bad gateway");
    }
  }

  @Test
  void retriesAnUnreachableRegistryThenSaysSo() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Settings settings = Settings.of("http://127.0.0.1:" + closedPort).withRetries(FAST_RETRIES);
    try (HttpSchemaRegistry registry = new HttpSchemaRegistry(settings)) {
      assertThatThrownBy(() -> registry.schemaById(1))
          .isInstanceOfSatisfying(
              SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEmpty())
          .hasMessageContaining("cannot reach the registry")
          .hasCauseInstanceOf(IOException.class);
    }
  }

  @Test
  void sendsBasicCredentials() {
    then(200, "{\"id\":1}");
    try (HttpSchemaRegistry registry = client(Auth.Basic.fromUserInfo("alice:s3cr:et"))) {
      registry.register("s-value", SCHEMA);
    }
    String expected = java.util.Base64.getEncoder()
        .encodeToString("alice:s3cr:et".getBytes(StandardCharsets.UTF_8));
    assertThat(seen.getFirst().authorization()).isEqualTo("Basic " + expected);
  }

  @Test
  void sendsABearerToken() {
    then(200, "{\"id\":1}");
    try (HttpSchemaRegistry registry = client(new Auth.Bearer("tok-123"))) {
      registry.register("s-value", SCHEMA);
    }
    assertThat(seen.getFirst().authorization()).isEqualTo("Bearer tok-123");
  }

  @Test
  void settingsNeverShowSecrets() {
    Settings basic = Settings.of("https://registry.example:8081")
        .withAuth(Auth.Basic.fromUserInfo("alice:hunter2"));
    Settings bearer =
        Settings.of("https://registry.example:8081").withAuth(new Auth.Bearer("tok-secret"));

    assertThat(basic.toString()).contains("alice").doesNotContain("hunter2");
    assertThat(bearer.toString()).doesNotContain("tok-secret");
  }

  @Test
  void settingsRejectBadValuesWithClearMessages() {
    assertThatThrownBy(() -> Settings.of("ftp://registry:21"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("http(s)");
    assertThatThrownBy(() -> Settings.of("registry:8081/path"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("absolute");
    assertThatThrownBy(() -> Settings.of("http://alice:hunter2@registry:8081"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("credentials")
        .message()
        .doesNotContain("hunter2");
    assertThatThrownBy(() ->
            Settings.of("http://registry:8081").withTimeouts(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connectTimeout");
    assertThatThrownBy(() -> new Retries(0, Duration.ofMillis(1), 2.0, 0.5, Duration.ofMillis(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxAttempts");
    assertThatThrownBy(() -> new Retries(3, Duration.ofSeconds(2), 2.0, 0.5, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBackoff");
    assertThatThrownBy(() -> Auth.Basic.fromUserInfo("no-colon"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user:password");
  }

  @Test
  void settingsFromConfig() {
    Settings settings = Settings.fromConfig(Map.of(
        Settings.URL, "http://registry:8080/apis/ccompat/v7/",
        Settings.BEARER_AUTH_TOKEN, "tok",
        Settings.REQUEST_TIMEOUT_MS, "2500",
        Settings.RETRY_MAX_ATTEMPTS, "2"));

    assertThat(settings.baseUrl()).isEqualTo(URI.create("http://registry:8080/apis/ccompat/v7"));
    assertThat(settings.auth()).isEqualTo(new Auth.Bearer("tok"));
    assertThat(settings.requestTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(settings.connectTimeout()).isEqualTo(Settings.DEFAULT_CONNECT_TIMEOUT);
    assertThat(settings.retries().maxAttempts()).isEqualTo(2);

    assertThatThrownBy(() -> Settings.fromConfig(Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Settings.URL);
    assertThatThrownBy(() -> Settings.fromConfig(
            Map.of(Settings.URL, "http://r", Settings.REQUEST_TIMEOUT_MS, "soon")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Settings.REQUEST_TIMEOUT_MS);
    assertThatThrownBy(() -> Settings.fromConfig(Map.of(
            Settings.URL,
            "http://r",
            Settings.BEARER_AUTH_TOKEN,
            "t",
            Settings.BASIC_AUTH_USER_INFO,
            "u:p")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most one");
  }
}
