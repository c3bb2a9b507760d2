package io.doppel.standalone.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a nested report map as indented, aligned text. */
final class ReportTable {

  private static final int INDENT = 2;
  private static final int KEY_WIDTH = 34;

  private ReportTable() {}

  static String render(Map<String, Object> report) {
    StringBuilder out = new StringBuilder();
    render(report, 0, out);
    return out.toString();
  }

  private static void render(Map<?, ?> map, int depth, StringBuilder out) {
    String pad = " ".repeat(depth * INDENT);
    map.forEach((key, value) -> {
      if (value instanceof Map<?, ?> nested) {
        out.append(pad).append(key).append('\n');
        render(nested, depth + 1, out);
      } else if (value instanceof List<?> list
          && !list.isEmpty()
          && list.getFirst() instanceof Map<?, ?>) {
        out.append(pad).append(key).append('\n');
        for (int i = 0; i < list.size(); i++) {
          out.append(pad).append(" ".repeat(INDENT)).append('#').append(i + 1).append('\n');
          render((Map<?, ?>) list.get(i), depth + 2, out);
        }
      } else {
        out.append(pad)
            .append(String.format(
                Locale.ROOT, "%-" + (KEY_WIDTH - depth * INDENT) + "s %s%n", key, format(value)));
      }
    });
  }

  private static String format(Object value) {
    if (value instanceof Double d) {
      return Double.isNaN(d) ? "n/a" : String.format(Locale.ROOT, "%.2f", d);
    }
    if (value instanceof Float f) {
      return String.format(Locale.ROOT, "%.2f", f);
    }
    return String.valueOf(value);
  }
}
