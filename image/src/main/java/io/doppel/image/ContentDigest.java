package io.doppel.image;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of an image's bytes, in lower-case hex: what the extractor records of the bytes it
 * analysed ({@code contentSha256} on ImageFeatures and MatchEvent), and what anyone who later
 * fetches the image from its source checks against, so that what they show is what was analysed.
 * Pure.
 */
public final class ContentDigest {

  public static final int HEX_CHARS = 64;

  private ContentDigest() {}

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Whether {@code bytes} hash to {@code expected} (hex, either case). */
  public static boolean matches(byte[] bytes, String expected) {
    return MessageDigest.isEqual(
        sha256(bytes).getBytes(StandardCharsets.US_ASCII),
        expected.strip().toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
  }
}
