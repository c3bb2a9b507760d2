package io.doppel.image.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.doppel.image.ImageRejectedException;
import io.doppel.schemas.avro.DeadLetterReason;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Against a real HTTP server on 127.0.0.1; the allow-list admits exactly 127.0.0.1 for the positive cases. */
class HttpImageFetcherTest {

  private static final byte[] BODY = "not really an image, but bytes".getBytes();
  private HttpServer server;
  private String base;
  private final AtomicInteger flakyCalls = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/image", exchange -> respond(exchange, 200, BODY));
    server.createContext("/big", exchange -> {
      exchange.sendResponseHeaders(
          200, 0); // chunked, no Content-Length: the limit must stop the stream
      try (OutputStream out = exchange.getResponseBody()) {
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < 64; i++) {
          out.write(chunk);
        }
      } catch (IOException clientHungUp) {
        // expected once the fetcher stops reading
      }
    });
    server.createContext("/missing", exchange -> respond(exchange, 404, new byte[0]));
    server.createContext(
        "/flaky",
        exchange -> respond(exchange, flakyCalls.incrementAndGet() < 3 ? 503 : 200, BODY));
    server.createContext("/slow", exchange -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      respond(exchange, 200, BODY);
    });
    server.createContext("/to-image", exchange -> redirect(exchange, "/image"));
    server.createContext(
        "/to-metadata", exchange -> redirect(exchange, "http://169.254.169.254/latest/meta-data/"));
    server.createContext(
        "/to-other-loopback",
        exchange ->
            redirect(exchange, "http://127.0.0.2:" + server.getAddress().getPort() + "/image"));
    server.createContext("/loop", exchange -> redirect(exchange, "/loop"));
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stopServer() {
    release.countDown();
    server.stop(0);
  }

  private HttpImageFetcher fetcher(String... overrides) {
    Map<String, String> settings = new HashMap<>(Map.of(
        "fetch.allow-list",
        "127.0.0.1/32",
        "fetch.retry.initial-backoff-ms",
        "10",
        "fetch.max-bytes",
        String.valueOf(1024 * 1024)));
    for (int i = 0; i < overrides.length; i += 2) {
      settings.put(overrides[i], overrides[i + 1]);
    }
    FetchSettings config = FetchSettings.of(settings);
    return new HttpImageFetcher(
        config, new AddressPolicy(config.blockPrivateAddresses(), config.allowList()));
  }

  @Test
  void fetchesFromAnAllowListedHostAndFollowsRedirects() throws Exception {
    try (HttpImageFetcher fetcher = fetcher()) {
      assertThat(fetcher.fetch(URI.create(base + "/image"))).isEqualTo(BODY);
      assertThat(fetcher.fetch(URI.create(base + "/to-image"))).isEqualTo(BODY);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "http://127.0.0.1/",
        "http://localhost/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://172.16.5.5/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[fd00::1]/",
        "http://0.0.0.0/",
        "http://[fe80::1]/",
        "http://224.0.0.1/",
        "http://100.64.0.1/"
      })
  void refusesNonPublicAddressesByDefault(String url) {
    try (HttpImageFetcher fetcher = new HttpImageFetcher(
        FetchSettings.of(Map.of()), new AddressPolicy(true, java.util.List.of()))) {
      assertReason(() -> fetcher.fetch(URI.create(url)), DeadLetterReason.BLOCKED_ADDRESS);
    }
  }

  @Test
  void checksEveryRedirectHop() {
    try (HttpImageFetcher fetcher = fetcher()) {
      assertReason(
          () -> fetcher.fetch(URI.create(base + "/to-metadata")), DeadLetterReason.BLOCKED_ADDRESS);
      assertReason(
          () -> fetcher.fetch(URI.create(base + "/to-other-loopback")),
          DeadLetterReason.BLOCKED_ADDRESS);
    }
  }

  @Test
  void stopsAfterTheRedirectLimit() {
    try (HttpImageFetcher fetcher = fetcher("fetch.max-redirects", "2")) {
      assertThatThrownBy(() -> fetcher.fetch(URI.create(base + "/loop")))
          .isInstanceOfSatisfying(
              ImageRejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.FETCH_FAILED))
          .hasMessageContaining("redirects");
    }
  }

  @Test
  void stopsStreamingAtTheByteLimit() {
    try (HttpImageFetcher fetcher = fetcher("fetch.max-bytes", "100000")) {
      assertReason(() -> fetcher.fetch(URI.create(base + "/big")), DeadLetterReason.TOO_LARGE);
    }
  }

  @Test
  void retriesServerErrorsWithBackoff() throws Exception {
    try (HttpImageFetcher fetcher = fetcher("fetch.retry.max-attempts", "3")) {
      assertThat(fetcher.fetch(URI.create(base + "/flaky"))).isEqualTo(BODY);
      assertThat(flakyCalls).hasValue(3);
    }
  }

  @Test
  void clientErrorsAreNotRetried() {
    try (HttpImageFetcher fetcher = fetcher()) {
      assertReason(
          () -> fetcher.fetch(URI.create(base + "/missing")), DeadLetterReason.FETCH_FAILED);
    }
  }

  @Test
  void slowServersTimeOut() {
    try (HttpImageFetcher fetcher =
        fetcher("fetch.read-timeout-ms", "300", "fetch.retry.max-attempts", "1")) {
      assertReason(() -> fetcher.fetch(URI.create(base + "/slow")), DeadLetterReason.TIMEOUT);
    }
  }

  @Test
  void aHostThatKeepsFailingOpensItsCircuit() {
    try (HttpImageFetcher fetcher = fetcher("fetch.retry.max-attempts", "1")) {
      String deadPort = "http://127.0.0.1:1/image"; // nothing listens on port 1
      DeadLetterReason last = null;
      String lastDetail = "";
      for (int i = 0; i < 15; i++) {
        try {
          fetcher.fetch(URI.create(deadPort));
        } catch (ImageRejectedException e) {
          last = e.reason();
          lastDetail = e.getMessage();
        }
      }
      assertThat(last).isEqualTo(DeadLetterReason.FETCH_FAILED);
      assertThat(lastDetail).contains("circuit open");
    }
  }

  private static void assertReason(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call, DeadLetterReason reason) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static void redirect(HttpExchange exchange, String location) throws IOException {
    exchange.getResponseHeaders().add("Location", location);
    exchange.sendResponseHeaders(302, -1);
    exchange.close();
  }
}
