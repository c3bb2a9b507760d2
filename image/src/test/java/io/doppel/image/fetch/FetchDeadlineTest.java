package io.doppel.image.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.doppel.image.ImageRejectedException;
import io.doppel.schemas.avro.DeadLetterReason;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tarpits: servers that answer each redirect hop just inside the read timeout, and one that sends a byte every 100 ms
 * forever. Each attempt stays within its own timeouts, so without one deadline for the whole fetch a single upload
 * would hold its batch (4 hops × 3 attempts × 13 s with the defaults) past the transaction timeout.
 */
class FetchDeadlineTest {

  private final ExecutorService tarpitThreads = Executors.newCachedThreadPool();
  private ServerSocket tarpit;
  private HttpServer hops;
  private String hopBase;

  @BeforeEach
  void start() throws IOException {
    tarpit = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    tarpitThreads.submit(() -> {
      while (!tarpit.isClosed()) {
        Socket client = tarpit.accept();
        tarpitThreads.submit(() -> trickle(client));
      }
      return null;
    });
    hops = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hops.createContext("/hop/", exchange -> {
      int hop = Integer.parseInt(exchange.getRequestURI().getPath().substring("/hop/".length()));
      sleep(700);
      exchange
          .getResponseHeaders()
          .add(
              "Location",
              hop < 3
                  ? "/hop/" + (hop + 1)
                  : "http://127.0.0.1:" + tarpit.getLocalPort() + "/image.png");
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
    });
    hops.createContext("/image.png", exchange -> {
      byte[] body = "image".getBytes();
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    hops.setExecutor(tarpitThreads);
    hops.start();
    hopBase = "http://127.0.0.1:" + hops.getAddress().getPort();
  }

  @AfterEach
  void stop() throws IOException {
    hops.stop(0);
    tarpit.close();
    tarpitThreads.shutdownNow();
  }

  private static HttpImageFetcher fetcher(String... overrides) {
    Map<String, String> settings = new HashMap<>(Map.of(
        "fetch.allow-list",
        "127.0.0.1/32",
        "fetch.connect-timeout-ms",
        "500",
        "fetch.read-timeout-ms",
        "1000",
        "fetch.retry.max-attempts",
        "3",
        "fetch.retry.initial-backoff-ms",
        "1",
        "fetch.max-redirects",
        "4",
        "fetch.deadline-ms",
        "1500"));
    for (int i = 0; i < overrides.length; i += 2) {
      settings.put(overrides[i], overrides[i + 1]);
    }
    FetchSettings config = FetchSettings.of(settings);
    return new HttpImageFetcher(
        config, new AddressPolicy(config.blockPrivateAddresses(), config.allowList()));
  }

  @Test
  void slowRedirectsAndATricklingServerEndAtTheFetchDeadline() {
    try (HttpImageFetcher fetcher = fetcher()) {
      long start = System.nanoTime();

      assertThatThrownBy(() -> fetcher.fetch(URI.create(hopBase + "/hop/0")))
          .isInstanceOfSatisfying(
              ImageRejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.TIMEOUT));

      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(took)
          .as("the whole fetch, every hop and attempt")
          .isLessThan(Duration.ofMillis(2500));
    }
  }

  @Test
  void aDeadlineAlreadyPassedFetchesNothing() {
    try (HttpImageFetcher fetcher = fetcher()) {
      assertThatThrownBy(
              () -> fetcher.fetch(URI.create(hopBase + "/image.png"), System.nanoTime() - 1))
          .isInstanceOfSatisfying(
              ImageRejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.TIMEOUT));
    }
  }

  /** Unique host names, as an attacker can mint them: the breakers kept stay within the bound, the newest among them. */
  @Test
  void circuitBreakersAreKeptForABoundedNumberOfHosts() throws Exception {
    try (HttpImageFetcher fetcher =
        fetcher("fetch.circuit-breaker.max-hosts", "8", "fetch.allow-list", "127.0.0.1/32")) {
      for (int i = 0; i < 50; i++) {
        URI source = URI.create("http://h" + i + RebindingResolverProvider.LOOPBACK_DOMAIN + ":"
            + hops.getAddress().getPort() + "/image.png");
        assertThat(fetcher.fetch(source)).isEqualTo("image".getBytes());
      }

      assertThat(fetcher.circuitBreakerCount()).isEqualTo(8);
    }
  }

  private static Void trickle(Socket client) {
    try (client;
        InputStream in = client.getInputStream();
        OutputStream out = client.getOutputStream()) {
      in.read(new byte[4096]);
      out.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n"
          .getBytes(StandardCharsets.ISO_8859_1));
      while (true) {
        out.write('x');
        out.flush();
        sleep(100);
      }
    } catch (IOException clientGone) {
      return null;
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
