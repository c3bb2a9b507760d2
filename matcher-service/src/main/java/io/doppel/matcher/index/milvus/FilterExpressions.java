package io.doppel.matcher.index.milvus;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * Milvus boolean-expression fragments with every value written as an escaped string literal, so
 * tenant ids, image ids and set names are data and never expression syntax.
 */
public final class FilterExpressions {

  private FilterExpressions() {}

  /** {@code value} as a double-quoted Milvus string literal. */
  public static String literal(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '"' -> out.append("\\\"");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        default -> out.append(c);
      }
    }
    return out.append('"').toString();
  }

  /** {@code field == "value"}. */
  public static String equalTo(String field, String value) {
    return field + " == " + literal(value);
  }

  /** {@code field != "value"}. */
  public static String notEqualTo(String field, String value) {
    return field + " != " + literal(value);
  }

  /** {@code field in ["a", "b"]} (values sorted, so equal sets give equal expressions). */
  public static String in(String field, Collection<String> values) {
    return field + " in ["
        + values.stream().sorted().map(FilterExpressions::literal).collect(Collectors.joining(", "))
        + "]";
  }
}
