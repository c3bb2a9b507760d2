package io.doppel.matcher.index.milvus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FilterExpressionsTest {

  @Test
  void quotesAndBackslashesStayInsideTheLiteral() {
    assertThat(FilterExpressions.literal("a\" or 1==1 or \""))
        .isEqualTo("\"a\\\" or 1==1 or \\\"\"");
    assertThat(FilterExpressions.literal("back\\slash\"")).isEqualTo("\"back\\\\slash\\\"\"");
    assertThat(FilterExpressions.literal("line\nbreak")).isEqualTo("\"line\\nbreak\"");
  }

  @Test
  void injectionStringsCannotCloseTheLiteral() {
    for (String hostile : List.of("a\" or 1==1 or \"", "\\\" || true || \"", "x\\", "\"\"\"")) {
      String literal = FilterExpressions.literal(hostile);
      assertThat(unquote(literal)).as(literal).isEqualTo(hostile);
    }
  }

  @Test
  void setsAreSortedSoExpressionsAreStable() {
    assertThat(FilterExpressions.in("tenant", Set.of("b", "a")))
        .isEqualTo("tenant in [\"a\", \"b\"]");
    assertThat(FilterExpressions.equalTo("image_key", "k")).isEqualTo("image_key == \"k\"");
    assertThat(FilterExpressions.notEqualTo("image_key", "k")).isEqualTo("image_key != \"k\"");
  }

  /** Reads one double-quoted literal as Milvus' parser does; fails if it ends before the last character. */
  private static String unquote(String literal) {
    assertThat(literal).startsWith("\"");
    StringBuilder value = new StringBuilder();
    for (int i = 1; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (c == '\\') {
        char escaped = literal.charAt(++i);
        value.append(escaped == 'n' ? '\n' : escaped == 'r' ? '\r' : escaped);
      } else if (c == '"') {
        assertThat(i).as("literal closes only at its end").isEqualTo(literal.length() - 1);
        return value.toString();
      } else {
        value.append(c);
      }
    }
    throw new AssertionError("unterminated literal " + literal);
  }
}
