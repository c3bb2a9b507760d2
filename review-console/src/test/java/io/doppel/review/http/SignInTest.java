package io.doppel.review.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who a request is from: trusted identity headers, signed expiring sessions, sign-in links. */
class SignInTest {

  private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
  private static final Duration TTL = Duration.ofHours(1);
  private static final byte[] SECRET =
      "a-session-secret-of-at-least-32-bytes".getBytes(StandardCharsets.UTF_8);
  private static final Sessions SESSIONS = new Sessions(SECRET, TTL);
  private static final SignIn SIGN_IN = new SignIn(
      TrustedProxies.parse(List.of("10.1.0.0/16", "::1")),
      SignIn.Headers.OAUTH2_PROXY,
      SESSIONS,
      true);

  @Test
  void headersFromATrustedProxySignInAndIssueASecureExpiringCookie() throws Exception {
    SignIn.Result result = SIGN_IN.authenticate(
        InetAddress.getByName("10.1.2.3"),
        headers(Map.of("X-Forwarded-User", "rita", "X-Forwarded-Groups", "ts-acme, ts-globex")),
        NOW);

    SignIn.Result.SignedIn signedIn = (SignIn.Result.SignedIn) result;
    assertThat(signedIn.identity())
        .isEqualTo(new Identity("rita", List.of("ts-acme", "ts-globex")));
    assertThat(signedIn.setCookie())
        .hasValueSatisfying(cookie -> assertThat(cookie)
            .startsWith(SignIn.COOKIE + "=")
            .contains("Max-Age=3600", "HttpOnly", "SameSite=Strict", "Secure"));
  }

  @Test
  void theEmailStandsInForAMissingUserName() throws Exception {
    SignIn.Result result = SIGN_IN.authenticate(
        InetAddress.getByName("::1"),
        headers(Map.of("X-Forwarded-Email", "rita@acme.example")),
        NOW);

    assertThat(((SignIn.Result.SignedIn) result).identity().name()).isEqualTo("rita@acme.example");
  }

  @Test
  void headersFromAnyOtherAddressAreIgnored() throws Exception {
    SignIn.Result result = SIGN_IN.authenticate(
        InetAddress.getByName("10.2.0.1"),
        headers(Map.of("X-Forwarded-User", "mallory", "X-Forwarded-Groups", "ts-all")),
        NOW);

    assertThat(result).isEqualTo(new SignIn.Result.Anonymous(true));
  }

  @Test
  void aSessionCookieSignsInUntilItExpires() throws Exception {
    String cookie = cookieFor(new Identity("rita", List.of("ts-acme")), NOW);
    InetAddress browser = InetAddress.getByName("192.0.2.7");

    SignIn.Result during = SIGN_IN.authenticate(
        browser, headers(Map.of("Cookie", "other=1; " + cookie)), NOW.plus(TTL).minusSeconds(1));
    SignIn.Result after =
        SIGN_IN.authenticate(browser, headers(Map.of("Cookie", cookie)), NOW.plus(TTL));

    assertThat(((SignIn.Result.SignedIn) during).identity().name()).isEqualTo("rita");
    assertThat(((SignIn.Result.SignedIn) during).setCookie()).isEmpty();
    assertThat(after).isEqualTo(new SignIn.Result.Anonymous(false));
  }

  @Test
  void aTamperedOrForeignCookieIsNoSession() throws Exception {
    String cookie = cookieFor(new Identity("rita", List.of("ts-acme")), NOW);
    String value = cookie.substring(SignIn.COOKIE.length() + 1);
    String forgedPayload = java.util.Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString("{\"n\":\"rita\",\"g\":[\"ts-all\"],\"e\":9999999999}"
            .getBytes(StandardCharsets.UTF_8));
    String forged = forgedPayload + value.substring(value.indexOf('.'));
    Sessions otherKey =
        new Sessions("another-secret-of-at-least-32-bytes!!".getBytes(StandardCharsets.UTF_8), TTL);

    assertThat(SESSIONS.verify(Sessions.Purpose.SESSION, forged, NOW)).isEmpty();
    assertThat(otherKey.verify(Sessions.Purpose.SESSION, value, NOW)).isEmpty();
    assertThat(SESSIONS.verify(Sessions.Purpose.SESSION, value, NOW)).isPresent();
  }

  @Test
  void theProxysIdentityWinsOverASessionOfSomeoneElse() throws Exception {
    String cookie = cookieFor(new Identity("rita", List.of("ts-acme")), NOW);

    SignIn.Result result = SIGN_IN.authenticate(
        InetAddress.getByName("10.1.0.9"),
        headers(Map.of(
            "Cookie", cookie, "X-Forwarded-User", "lee", "X-Forwarded-Groups", "ts-acme-leads")),
        NOW.plusSeconds(5));

    SignIn.Result.SignedIn signedIn = (SignIn.Result.SignedIn) result;
    assertThat(signedIn.identity().name()).isEqualTo("lee");
    assertThat(signedIn.setCookie()).isPresent();
  }

  @Test
  void aCurrentSessionOfTheSamePersonIsKeptAndRenewedInItsSecondHalf() throws Exception {
    Identity rita = new Identity("rita", List.of("ts-acme"));
    Map<String, String> request = Map.of(
        "Cookie",
        cookieFor(rita, NOW),
        "X-Forwarded-User",
        "rita",
        "X-Forwarded-Groups",
        "ts-acme");
    InetAddress proxy = InetAddress.getByName("10.1.0.9");

    SignIn.Result early = SIGN_IN.authenticate(proxy, headers(request), NOW.plusSeconds(60));
    SignIn.Result late = SIGN_IN.authenticate(proxy, headers(request), NOW.plus(TTL.dividedBy(2)));

    assertThat(((SignIn.Result.SignedIn) early).setCookie()).isEmpty();
    assertThat(((SignIn.Result.SignedIn) late).setCookie()).isPresent();
  }

  @Test
  void aSignInLinkIsRedeemedOnceValidButIsNeverASessionItself() {
    Identity demo = new Identity("demo", List.of("demo"));
    String link = SIGN_IN.link(demo, NOW, Duration.ofMinutes(10));

    assertThat(SIGN_IN.redeem(link, NOW.plusSeconds(60)))
        .hasValueSatisfying(s -> assertThat(s.identity()).isEqualTo(demo));
    assertThat(SIGN_IN.redeem(link, NOW.plus(Duration.ofMinutes(10)))).isEmpty();
    assertThat(SESSIONS.verify(Sessions.Purpose.SESSION, link, NOW)).isEmpty();
    String session = SESSIONS.issue(demo, NOW);
    assertThat(SIGN_IN.redeem(session, NOW)).isEmpty();
  }

  @Test
  void theSecretIsLongEnoughAndNeverPrinted() {
    assertThatThrownBy(() -> new Sessions("short".getBytes(StandardCharsets.UTF_8), TTL))
        .hasMessageContaining("at least 32 bytes");
    assertThat(SESSIONS.toString()).doesNotContain(new String(SECRET, StandardCharsets.UTF_8));
  }

  @Test
  void trustedProxiesAreAddressRangesNotNames() throws Exception {
    TrustedProxies proxies = TrustedProxies.parse(List.of("10.0.0.0/8", "192.168.1.1", "fd00::/8"));

    assertThat(proxies.trusts(InetAddress.getByName("10.200.3.4"))).isTrue();
    assertThat(proxies.trusts(InetAddress.getByName("192.168.1.1"))).isTrue();
    assertThat(proxies.trusts(InetAddress.getByName("192.168.1.2"))).isFalse();
    assertThat(proxies.trusts(InetAddress.getByName("fd12::1"))).isTrue();
    assertThat(proxies.trusts(InetAddress.getByName("11.0.0.1"))).isFalse();
    assertThatThrownBy(() -> TrustedProxies.parse(List.of("proxy.example.com")))
        .hasMessageContaining("not an IP address");
    assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/33")))
        .hasMessageContaining("prefix length");
  }

  private static String cookieFor(Identity identity, Instant at) {
    return SignIn.COOKIE + "=" + SESSIONS.issue(identity, at);
  }

  private static java.util.function.Function<String, String> headers(Map<String, String> values) {
    Map<String, String> byLowerName = new HashMap<>();
    values.forEach((k, v) -> byLowerName.put(k.toLowerCase(java.util.Locale.ROOT), v));
    return name -> Optional.ofNullable(byLowerName.get(name.toLowerCase(java.util.Locale.ROOT)))
        .orElse(null);
  }
}
