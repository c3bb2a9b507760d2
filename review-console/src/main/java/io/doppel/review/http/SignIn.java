package io.doppel.review.http;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Who a request comes from. Two ways in, no others:
 *
 * <ol>
 *   <li>Identity headers ({@code X-Forwarded-User}, {@code X-Forwarded-Email}, {@code
 *       X-Forwarded-Groups} by default, as oauth2-proxy sets them), believed only when the request
 *       comes straight from a trusted proxy address. They win over any session the browser holds,
 *       so the identity provider stays the authority; a session is (re)issued when there is none,
 *       it names someone else or other groups, or less than half its lifetime is left.
 *   <li>A session cookie this console signed ({@link Sessions}), until it expires: issued from the
 *       headers above, or by a sign-in link.
 * </ol>
 *
 * Headers from any other address are ignored, whatever they say. Pure but for reading the clock
 * the caller passes in.
 */
public final class SignIn {

  public static final String COOKIE = "doppel_review_session";

  /** The header names of the authenticating proxy. */
  public record Headers(String user, String email, String groups) {
    public static final Headers OAUTH2_PROXY =
        new Headers("X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Groups");

    public Headers {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(email, "email");
      Objects.requireNonNull(groups, "groups");
    }
  }

  /** The outcome: who it is, and a {@code Set-Cookie} value to send where a session is (re)issued. */
  public sealed interface Result {
    record SignedIn(Identity identity, Optional<String> setCookie) implements Result {}

    /** No identity; {@code untrustedHeaders} when identity headers came from an untrusted address. */
    record Anonymous(boolean untrustedHeaders) implements Result {}
  }

  private final TrustedProxies proxies;
  private final Headers headers;
  private final Sessions sessions;
  private final boolean secureCookie;

  public SignIn(TrustedProxies proxies, Headers headers, Sessions sessions, boolean secureCookie) {
    this.proxies = Objects.requireNonNull(proxies, "proxies");
    this.headers = Objects.requireNonNull(headers, "headers");
    this.sessions = Objects.requireNonNull(sessions, "sessions");
    this.secureCookie = secureCookie;
  }

  public Sessions sessions() {
    return sessions;
  }

  /**
   * @param peer the address the request came from (the TCP peer, never a forwarded-for header)
   * @param header a request header's first value by name, or null
   */
  public Result authenticate(InetAddress peer, Function<String, String> header, Instant now) {
    Optional<Sessions.Session> session = cookie(header.apply("Cookie"))
        .flatMap(value -> sessions.verify(Sessions.Purpose.SESSION, value, now));
    Optional<Identity> vouched = fromHeaders(header);
    if (vouched.isPresent() && !proxies.trusts(peer)) {
      return session
          .<Result>map(s -> new Result.SignedIn(s.identity(), Optional.empty()))
          .orElse(new Result.Anonymous(true));
    }
    if (vouched.isPresent()) {
      Identity identity = vouched.get();
      boolean current = session.isPresent()
          && session.get().identity().equals(identity)
          && Duration.between(now, session.get().expiresAt())
                  .compareTo(sessions.ttl().dividedBy(2))
              > 0;
      return new Result.SignedIn(
          identity, current ? Optional.empty() : Optional.of(setCookie(identity, now)));
    }
    return session
        .<Result>map(s -> new Result.SignedIn(s.identity(), Optional.empty()))
        .orElse(new Result.Anonymous(false));
  }

  /** The identity a sign-in link carries, if it is valid, with the session cookie to set for it. */
  public Optional<Result.SignedIn> redeem(String link, Instant now) {
    return sessions
        .verify(Sessions.Purpose.SIGN_IN_LINK, link, now)
        .map(s -> new Result.SignedIn(s.identity(), Optional.of(setCookie(s.identity(), now))));
  }

  /** A sign-in link's value for {@code identity}, valid for {@code lifetime}. */
  public String link(Identity identity, Instant now, Duration lifetime) {
    return sessions.sign(Sessions.Purpose.SIGN_IN_LINK, identity, now.plus(lifetime));
  }

  private String setCookie(Identity identity, Instant now) {
    return COOKIE + "=" + sessions.issue(identity, now) + "; Path=/; Max-Age="
        + sessions.ttl().toSeconds() + "; HttpOnly; SameSite=Strict"
        + (secureCookie ? "; Secure" : "");
  }

  private Optional<Identity> fromHeaders(Function<String, String> header) {
    String user = blankToNull(header.apply(headers.user()));
    String email = blankToNull(header.apply(headers.email()));
    String name = user != null ? user : email;
    if (name == null) {
      return Optional.empty();
    }
    String groups = header.apply(headers.groups());
    List<String> list = groups == null
        ? List.of()
        : Arrays.stream(groups.split(","))
            .map(String::strip)
            .filter(g -> !g.isEmpty())
            .toList();
    try {
      return Optional.of(new Identity(name.strip(), list));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The value of this console's cookie in a {@code Cookie} header, if there. */
  static Optional<String> cookie(String cookieHeader) {
    if (cookieHeader == null) {
      return Optional.empty();
    }
    for (String part : cookieHeader.split(";")) {
      String pair = part.strip();
      if (pair.startsWith(COOKIE + "=")) {
        return Optional.of(pair.substring(COOKIE.length() + 1));
      }
    }
    return Optional.empty();
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
