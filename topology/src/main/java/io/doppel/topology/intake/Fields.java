package io.doppel.topology.intake;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What a producer-controlled string may hold, checked where a record enters a stage (uploads in the extractor, features
 * in the matcher), so that nothing downstream meets a value it cannot store, log or show. Pure.
 *
 * <pre>
 * name(v)   = utf8Bytes(v) ≤ {@value #MAX_NAME_BYTES} ∧ ∀c ∈ v: ¬forbidden(c)            tenant, imageId, uploader, rightsHolder, referenceSet
 * source(v) = length(v) ≤ {@value #MAX_SOURCE_CHARS} ∧ ∀c ∈ v: ¬forbidden(c) ∧ ¬whitespace(c)
 * contentType(v) = length(v) ≤ {@value #MAX_CONTENT_TYPE_CHARS} ∧ ∀c ∈ v: ¬forbidden(c)
 * forbidden(c) = c is a control character (Cc), a line or paragraph separator, an unpaired surrogate,
 *                or a bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069)
 * </pre>
 *
 * {@value #MAX_NAME_BYTES} bytes is the smallest store of a name: Milvus' VarChar columns. Lucene refuses terms over
 * 32,766 bytes and the index's write-ahead log strings over 65,535, so a longer id either failed the write, which the
 * matcher took for an outage and retried forever, or was logged and then failed the replay, so that the matcher could
 * not start. Control characters and bidirectional overrides forge log lines and what reviewers read. Guarded by {@code
 * ExtractionTopologyTest.idsAndNamesTooLongOrWithControlCharactersAreDeadLetteredAtIntake} and {@code
 * MatchingTopologyTest.featuresWithIdsOrNamesTheIndexCannotHoldAreDeadLetteredWithoutAskingTheMatcher}.
 */
public final class Fields {

  /** The most UTF-8 bytes of a tenant, image id, uploader, rights holder or reference set. */
  public static final int MAX_NAME_BYTES = 512;
  /** The most characters of a source URL or path. */
  public static final int MAX_SOURCE_CHARS = 8192;
  /** The most characters of a claimed content type. */
  public static final int MAX_CONTENT_TYPE_CHARS = 255;
  /** The most characters of a value quoted in a message about it. */
  private static final int SHOWN_CHARS = 64;

  private Fields() {}

  /** The problem with a name field, or empty when it is acceptable; {@code null} is acceptable (absent). */
  public static Optional<String> nameProblem(String field, CharSequence value) {
    if (value == null) {
      return Optional.empty();
    }
    int bytes = utf8Length(value);
    if (bytes > MAX_NAME_BYTES) {
      return Optional.of(field + " has " + bytes + " UTF-8 bytes, at most " + MAX_NAME_BYTES
          + " are allowed: " + shown(value));
    }
    return forbiddenCharacter(field, value, false);
  }

  /** The problem with a source, or empty when it is acceptable; {@code null} is acceptable (absent). */
  public static Optional<String> sourceProblem(CharSequence value) {
    if (value == null) {
      return Optional.empty();
    }
    if (value.length() > MAX_SOURCE_CHARS) {
      return Optional.of("source has " + value.length() + " characters, at most " + MAX_SOURCE_CHARS
          + " are allowed");
    }
    return forbiddenCharacter("source", value, true);
  }

  /** The problem with a claimed content type, or empty when it is acceptable; {@code null} is acceptable (absent). */
  public static Optional<String> contentTypeProblem(CharSequence value) {
    if (value == null) {
      return Optional.empty();
    }
    if (value.length() > MAX_CONTENT_TYPE_CHARS) {
      return Optional.of("contentType has " + value.length() + " characters, at most "
          + MAX_CONTENT_TYPE_CHARS + " are allowed");
    }
    return forbiddenCharacter("contentType", value, false);
  }

  /**
   * {@code value} fit to quote in a message or log line: at most {@value #SHOWN_CHARS} characters (a longer one is cut
   * and says how long it was), forbidden characters as {@code U+XXXX}.
   */
  public static String shown(CharSequence value) {
    if (value == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder();
    int i = 0;
    for (int shown = 0; i < value.length() && shown < SHOWN_CHARS; shown++) {
      int c = Character.codePointAt(value, i);
      out.append(forbidden(c) ? String.format("<U+%04X>", c) : new String(Character.toChars(c)));
      i += Character.charCount(c);
    }
    if (i < value.length()) {
      out.append("...(").append(value.length()).append(" chars)");
    }
    return out.toString();
  }

  /**
   * {@code value} cut to what a name may hold, so that a dead letter about an over-long id stays bounded: at most
   * {@value #MAX_NAME_BYTES} UTF-8 bytes, never splitting a character.
   */
  public static String bounded(CharSequence value) {
    if (value == null) {
      return null;
    }
    String text = value.toString();
    if (utf8Length(text) <= MAX_NAME_BYTES) {
      return text;
    }
    StringBuilder out = new StringBuilder();
    int bytes = 0;
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      int size = new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8).length;
      if (bytes + size > MAX_NAME_BYTES - 3) {
        break;
      }
      out.appendCodePoint(c);
      bytes += size;
      i += Character.charCount(c);
    }
    return out.append("...").toString();
  }

  public static int utf8Length(CharSequence value) {
    int bytes = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  private static Optional<String> forbiddenCharacter(
      String field, CharSequence value, boolean noWhitespace) {
    for (int i = 0; i < value.length(); ) {
      int c = Character.codePointAt(value, i);
      if (forbidden(c) || (noWhitespace && Character.isWhitespace(c))) {
        return Optional.of(field + " holds the character " + String.format("U+%04X", c) + " at " + i
            + ": " + shown(value));
      }
      i += Character.charCount(c);
    }
    return Optional.empty();
  }

  private static boolean forbidden(int c) {
    int type = Character.getType(c);
    return type == Character.CONTROL
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || type == Character.SURROGATE
        || (c >= 0x202A && c <= 0x202E)
        || (c >= 0x2066 && c <= 0x2069);
  }
}
