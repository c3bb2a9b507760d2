package io.doppel.image.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.doppel.image.ImageRejectedException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A host whose name answers a public address to the SSRF check and loopback to every later lookup (the {@link
 * RebindingResolverProvider}): the fetch must connect only to the address that was checked, on every attempt, so the
 * loopback listener never sees a request. And no proxy selector takes part: one that would route every request to the
 * loopback listener is never asked.
 */
class DnsRebindingTest {

  private HttpServer loopback;
  private final AtomicInteger requests = new AtomicInteger();
  private ProxySelector previous;

  @BeforeEach
  void start() throws IOException {
    loopback = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    loopback.createContext("/", exchange -> {
      requests.incrementAndGet();
      byte[] body = "internal secret".getBytes();
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    loopback.start();
    previous = ProxySelector.getDefault();
  }

  @AfterEach
  void stop() {
    ProxySelector.setDefault(previous);
    loopback.stop(0);
  }

  private HttpImageFetcher fetcher() {
    FetchSettings config = FetchSettings.of(Map.of(
        "fetch.connect-timeout-ms",
        "200",
        "fetch.read-timeout-ms",
        "300",
        "fetch.retry.max-attempts",
        "3",
        "fetch.retry.initial-backoff-ms",
        "1"));
    return new HttpImageFetcher(
        config, new AddressPolicy(config.blockPrivateAddresses(), config.allowList()));
  }

  @Test
  void retriesConnectToTheCheckedAddressNotToWhatTheNameAnswersLater() {
    String host = "image.rebind.test";
    URI source =
        URI.create("http://" + host + ":" + loopback.getAddress().getPort() + "/image.png");

    try (HttpImageFetcher fetcher = fetcher()) {
      assertThatThrownBy(() -> fetcher.fetch(source))
          .isInstanceOf(ImageRejectedException.class)
          .hasMessageContaining(RebindingResolverProvider.PUBLIC);
    }

    assertThat(requests).as("requests that reached the loopback listener").hasValue(0);
    assertThat(RebindingResolverProvider.lookups(host))
        .as("lookups of the host: the check's only")
        .isEqualTo(1);
  }

  @Test
  void noProxySelectorIsAsked() {
    AtomicInteger asked = new AtomicInteger();
    ProxySelector.setDefault(new ProxySelector() {
      @Override
      public List<Proxy> select(URI uri) {
        asked.incrementAndGet();
        return List.of(new Proxy(Proxy.Type.HTTP, loopback.getAddress()));
      }

      @Override
      public void connectFailed(URI uri, SocketAddress address, IOException e) {}
    });
    URI source =
        URI.create("http://proxied.rebind.test:" + loopback.getAddress().getPort() + "/image.png");

    try (HttpImageFetcher fetcher = fetcher()) {
      assertThatThrownBy(() -> fetcher.fetch(source)).isInstanceOf(ImageRejectedException.class);
    }

    assertThat(asked).hasValue(0);
    assertThat(requests).hasValue(0);
  }
}
