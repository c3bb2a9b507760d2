package io.doppel.image.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsServer;
import io.doppel.image.ImageRejectedException;
import io.doppel.schemas.avro.DeadLetterReason;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pinned connection over TLS, against a real local HTTPS server: the fetcher connects to the address the policy
 * checked (127.0.0.1, which {@code *.loopback.test} names resolve to in this module's tests) and still verifies the
 * certificate against the URL's host name, which it also sends as SNI. A certificate for another name, or one that
 * names only the connected address, is refused even though the client trusts it; and the production default context
 * does not trust a self-signed certificate at all.
 */
class PinnedHttpsTest {

  private static final String HOST = "image.loopback.test";
  private static final String PASSWORD = "changeit";
  private static final byte[] BODY = "pixels over tls".getBytes();

  @TempDir
  static Path keys;

  private static KeyStore forHost;
  private static KeyStore forOtherHost;
  private static KeyStore forLoopbackAddress;
  /** Trusts all three certificates: a refusal below is about the name, never about trust. */
  private static SSLContext trustingAll;

  private HttpsServer server;
  private final List<String> serverNames = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void makeCertificates() throws Exception {
    forHost = selfSigned("host", "CN=" + HOST, "SAN=dns:" + HOST);
    forOtherHost = selfSigned("other", "CN=other.loopback.test", "SAN=dns:other.loopback.test");
    forLoopbackAddress = selfSigned("address", "CN=127.0.0.1", "SAN=ip:127.0.0.1");
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    for (KeyStore store : List.of(forHost, forOtherHost, forLoopbackAddress)) {
      String alias = store.aliases().nextElement();
      trusted.setCertificateEntry(alias, store.getCertificate(alias));
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    trustingAll = SSLContext.getInstance("TLS");
    trustingAll.init(null, trust.getTrustManagers(), null);
  }

  /** A key pair and self-signed certificate made by the JDK's keytool, loaded from the PKCS12 file it wrote. */
  private static KeyStore selfSigned(String alias, String dname, String san) throws Exception {
    Path file = keys.resolve(alias + ".p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    Process process = new ProcessBuilder(
            keytool.toString(),
            "-genkeypair",
            "-alias",
            alias,
            "-keyalg",
            "EC",
            "-groupname",
            "secp256r1",
            "-dname",
            dname,
            "-ext",
            san,
            "-validity",
            "2",
            "-storetype",
            "PKCS12",
            "-keystore",
            file.toString(),
            "-storepass",
            PASSWORD)
        .redirectErrorStream(true)
        .start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("keytool: %s", output).isZero();
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      store.load(in, PASSWORD.toCharArray());
    }
    return store;
  }

  private URI serve(KeyStore certificate) throws Exception {
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(certificate, PASSWORD.toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers.getKeyManagers(), null, null);
    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(context));
    server.createContext("/", exchange -> {
      SSLSession session = ((HttpsExchange) exchange).getSSLSession();
      List<String> names = new ArrayList<>();
      if (session instanceof ExtendedSSLSession extended) {
        for (SNIServerName name : extended.getRequestedServerNames()) {
          names.add(name instanceof SNIHostName host ? host.getAsciiName() : name.toString());
        }
      }
      serverNames.add(String.join(",", names));
      exchange.sendResponseHeaders(200, BODY.length);
      exchange.getResponseBody().write(BODY);
      exchange.close();
    });
    server.start();
    return URI.create("https://" + HOST + ":" + server.getAddress().getPort() + "/image.png");
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static FetchSettings settings() {
    return FetchSettings.of(Map.of(
        "fetch.connect-timeout-ms", "2000",
        "fetch.read-timeout-ms", "5000",
        "fetch.retry.max-attempts", "1",
        "fetch.allow-list", "127.0.0.1/32"));
  }

  private static HttpImageFetcher fetcher(SSLContext tls) {
    FetchSettings config = settings();
    return new HttpImageFetcher(
        config, new AddressPolicy(config.blockPrivateAddresses(), config.allowList()), tls);
  }

  @Test
  void fetchesOverTlsThroughThePinnedConnectionAndSendsTheHostNameAsSni() throws Exception {
    URI source = serve(forHost);

    try (HttpImageFetcher fetcher = fetcher(trustingAll)) {
      assertThat(fetcher.fetch(source)).isEqualTo(BODY);
    }

    assertThat(serverNames).as("SNI the server saw").containsExactly(HOST);
  }

  @Test
  void aTrustedCertificateForAnotherNameIsRefused() throws Exception {
    URI source = serve(forOtherHost);

    try (HttpImageFetcher fetcher = fetcher(trustingAll)) {
      assertRefusedForTheName(() -> fetcher.fetch(source));
    }
    assertThat(serverNames).as("requests the server answered").isEmpty();
  }

  @Test
  void aCertificateForTheConnectedAddressDoesNotStandForTheHostName() throws Exception {
    // the socket is connected to 127.0.0.1; the name checked must still be the URL's host
    URI source = serve(forLoopbackAddress);

    try (HttpImageFetcher fetcher = fetcher(trustingAll)) {
      assertRefusedForTheName(() -> fetcher.fetch(source));
    }
    assertThat(serverNames).isEmpty();
  }

  @Test
  void theProductionDefaultDoesNotTrustASelfSignedCertificate() throws Exception {
    URI source = serve(forHost);
    FetchSettings config = settings();

    try (HttpImageFetcher fetcher = new HttpImageFetcher(
        config, new AddressPolicy(config.blockPrivateAddresses(), config.allowList()))) {
      assertRefused(() -> fetcher.fetch(source));
    }
    assertThat(serverNames).isEmpty();
  }

  /** The handshake failed on the certificate: the request never left the client. */
  private static void assertRefused(org.assertj.core.api.ThrowableAssert.ThrowingCallable fetch) {
    assertThatThrownBy(fetch)
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.FETCH_FAILED))
        .hasCauseInstanceOf(SSLHandshakeException.class);
  }

  /** Refused because the certificate does not name the URL's host, though the client trusts it. */
  private static void assertRefusedForTheName(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable fetch) {
    assertRefused(fetch);
    assertThatThrownBy(fetch).hasRootCauseInstanceOf(CertificateException.class);
  }
}
