package io.doppel.review.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed, expiring sessions: the cookie value is {@code payload.signature}, both base64url, the
 * payload naming the identity and when it expires, the signature an HMAC-SHA256 over the purpose
 * and the payload. The console keeps no session table: a value is valid while its signature
 * checks and its expiry is ahead, so replicas sharing the secret share sessions, and changing the
 * secret ends every session. The same form, under another purpose, makes sign-in links, so a link
 * is never a session and a session never a link. The secret is never logged or printed.
 */
public final class Sessions {

  /** Shortest secret accepted: 256 bits, HMAC-SHA256's own strength. */
  public static final int MIN_SECRET_BYTES = 32;

  /** What a signed value is for; part of what is signed. */
  public enum Purpose {
    SESSION,
    SIGN_IN_LINK
  }

  /** A verified value: who, and until when. */
  public record Session(Identity identity, Instant expiresAt) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ALGORITHM = "HmacSHA256";
  private static final Base64.Encoder ENCODE = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODE = Base64.getUrlDecoder();
  private static final int MAX_VALUE_CHARS = 8 * 1024;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;
  private final Duration ttl;

  public Sessions(byte[] secret, Duration ttl) {
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "the session secret needs at least " + MIN_SECRET_BYTES + " bytes");
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("the session lifetime must be positive");
    }
    this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
    this.ttl = ttl;
  }

  /** Sessions under a fresh random secret: they end when the process does. */
  public static Sessions withRandomSecret(Duration ttl) {
    byte[] secret = new byte[MIN_SECRET_BYTES];
    RANDOM.nextBytes(secret);
    return new Sessions(secret, ttl);
  }

  public Duration ttl() {
    return ttl;
  }

  /** A session for {@code identity} from {@code now}, lasting the configured lifetime. */
  public String issue(Identity identity, Instant now) {
    return sign(Purpose.SESSION, identity, now.plus(ttl));
  }

  /** A value of {@code purpose} for {@code identity} valid until {@code expiresAt}. */
  public String sign(Purpose purpose, Identity identity, Instant expiresAt) {
    ObjectNode payload = JSON.createObjectNode();
    payload.put("n", identity.name());
    identity.groups().forEach(payload.putArray("g")::add);
    payload.put("e", expiresAt.getEpochSecond());
    String body;
    try {
      body = ENCODE.encodeToString(JSON.writeValueAsBytes(payload));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return body + "." + ENCODE.encodeToString(mac(purpose, body));
  }

  /** The session {@code value} carries, if it is of {@code purpose}, signed by this secret and not expired at {@code now}. */
  public Optional<Session> verify(Purpose purpose, String value, Instant now) {
    if (value == null || value.length() > MAX_VALUE_CHARS) {
      return Optional.empty();
    }
    int dot = value.indexOf('.');
    if (dot <= 0 || dot != value.lastIndexOf('.')) {
      return Optional.empty();
    }
    String body = value.substring(0, dot);
    byte[] signature;
    JsonNode payload;
    try {
      signature = DECODE.decode(value.substring(dot + 1));
      // The signature is checked before the payload is parsed: nothing unsigned is interpreted.
      if (!MessageDigest.isEqual(signature, mac(purpose, body))) {
        return Optional.empty();
      }
      payload = JSON.readTree(DECODE.decode(body));
    } catch (IllegalArgumentException | IOException e) {
      return Optional.empty();
    }
    Instant expiresAt = Instant.ofEpochSecond(payload.path("e").asLong(0));
    if (!now.isBefore(expiresAt)) {
      return Optional.empty();
    }
    List<String> groups = new ArrayList<>();
    payload.path("g").forEach(g -> groups.add(g.asText()));
    try {
      return Optional.of(new Session(new Identity(payload.path("n").asText(), groups), expiresAt));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private byte[] mac(Purpose purpose, String body) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      mac.update((purpose.name() + ".").getBytes(StandardCharsets.US_ASCII));
      return mac.doFinal(body.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 unavailable", e);
    }
  }

  @Override
  public String toString() {
    return "Sessions[ttl=" + ttl + ", secret=(hidden)]";
  }
}
