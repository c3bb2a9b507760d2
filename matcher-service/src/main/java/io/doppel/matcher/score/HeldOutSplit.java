package io.doppel.matcher.score;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * How a calibration's evaluation data were halved, so that its figures can be reported on the half it was not fitted
 * on. Queries are split by reference: a query that copies a reference belongs to that reference's group, a query that
 * copies nothing to its own; a group's half is the low bit of SHA-256 of {@code salt + "\n" + group}. So every copy of
 * one reference, in every evaluation set that shares it, falls on the same side, and nothing about a held-out
 * reference is seen during the fit. Guarded by {@code HeldOutSplitTest}.
 *
 * @param salt names the split; a different salt draws different halves
 * @param fittedHalf the half (0 or 1) the calibration was fitted on; the other is held out
 */
public record HeldOutSplit(String salt, int fittedHalf) {

  public static final String DEFAULT_SALT = "doppel-split-1";
  private static final String DISTRACTOR_PREFIX = "no-reference:";

  public HeldOutSplit {
    if (salt == null || salt.isBlank()) {
      throw new IllegalArgumentException("a split needs a salt");
    }
    if (fittedHalf != 0 && fittedHalf != 1) {
      throw new IllegalArgumentException("fittedHalf must be 0 or 1, got " + fittedHalf);
    }
  }

  /** The group of a query: its reference's id if it copies one ({@code reference} not null), else its own. */
  public static String groupOf(String queryId, String reference) {
    return reference != null ? reference : DISTRACTOR_PREFIX + queryId;
  }

  /** The half, 0 or 1, of {@code group}. */
  public int half(String group) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((salt + "\n" + group).getBytes(StandardCharsets.UTF_8));
      return digest[digest.length - 1] & 1;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** Whether the query of {@code group} was held out of the fit. */
  public boolean heldOut(String group) {
    return half(group) != fittedHalf;
  }
}
