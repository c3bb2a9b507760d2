package io.doppel.review.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;

/**
 * Who may use the console: bearer token → reviewer name. The name is what decisions record as
 * "who". Tokens are compared in constant time and never logged or printed by {@link #toString()}.
 */
public final class Reviewers {

  /** Shortest token accepted, so that no guessable token is configured by accident. */
  public static final int MIN_TOKEN_CHARS = 16;

  private final Map<String, String> nameByToken;

  public Reviewers(Map<String, String> nameByToken) {
    if (nameByToken.isEmpty()) {
      throw new IllegalArgumentException(
          "at least one reviewer token is required: the console holds reports and images");
    }
    nameByToken.forEach((token, name) -> {
      if (token == null || token.length() < MIN_TOKEN_CHARS) {
        throw new IllegalArgumentException(
            "reviewer " + name + ": token shorter than " + MIN_TOKEN_CHARS + " characters");
      }
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("every reviewer token needs a reviewer name");
      }
    });
    this.nameByToken = Map.copyOf(nameByToken);
  }

  /**
   * Parses {@code name:token,name:token}, the form of {@code DOPPEL_REVIEW_TOKENS}.
   */
  public static Reviewers parse(String spec) {
    java.util.HashMap<String, String> byToken = new java.util.HashMap<>();
    for (String entry : spec.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int colon = entry.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException(
            "reviewer tokens must be name:token pairs separated by commas");
      }
      byToken.put(entry.substring(colon + 1).strip(), entry.substring(0, colon).strip());
    }
    return new Reviewers(byToken);
  }

  /** The reviewer an {@code Authorization} header value authenticates, if any. */
  public Optional<String> authenticate(String authorization) {
    if (authorization == null || !authorization.startsWith("Bearer ")) {
      return Optional.empty();
    }
    byte[] presented =
        authorization.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
    String found = null;
    for (Map.Entry<String, String> entry : nameByToken.entrySet()) {
      // Every token is compared, so the time taken says nothing about which one nearly matched.
      if (MessageDigest.isEqual(presented, entry.getKey().getBytes(StandardCharsets.UTF_8))) {
        found = entry.getValue();
      }
    }
    return Optional.ofNullable(found);
  }

  @Override
  public String toString() {
    return "Reviewers" + nameByToken.values().stream().sorted().toList();
  }
}
