package io.doppel.standalone.tail;

import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.Decision;
import io.doppel.standalone.cli.UsageException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** What {@code ./doppel tail} can show: each MatchEvent decision, on the topic it is written to, and dead letters. */
public enum DecisionKind {
  DUPLICATE(Topics.DUPLICATES),
  COPYRIGHT_VIOLATION(Topics.VIOLATIONS),
  CLEAN(Topics.OUTCOMES),
  REGISTERED(Topics.OUTCOMES),
  DELETED(Topics.OUTCOMES),
  DEAD_LETTER(Topics.DEAD_LETTERS);

  private final String topic;

  DecisionKind(String topic) {
    this.topic = topic;
  }

  /** The topic its records are on. */
  public String topic() {
    return topic;
  }

  /** Its name on the command line and in the JSON lines: {@code copyright-violation}. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static DecisionKind of(Decision decision) {
    return valueOf(decision.name());
  }

  /** The kinds a comma-separated list names (every kind for null); unknown names are one usage error. */
  public static Set<DecisionKind> parse(String list) {
    if (list == null) {
      return EnumSet.allOf(DecisionKind.class);
    }
    Set<DecisionKind> kinds = EnumSet.noneOf(DecisionKind.class);
    List<String> unknown = new ArrayList<>();
    for (String item : list.split(",")) {
      String name = item.strip();
      if (name.isEmpty()) {
        continue;
      }
      try {
        kinds.add(valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_')));
      } catch (IllegalArgumentException e) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty() || kinds.isEmpty()) {
      throw new UsageException("--kind takes a comma-separated list of "
          + String.join(", ", Arrays.stream(values()).map(DecisionKind::cliName).toList())
          + (unknown.isEmpty() ? "" : "; unknown: " + String.join(", ", unknown)));
    }
    return kinds;
  }

  /** The topics that hold {@code kinds}, sorted. */
  public static Set<String> topicsOf(Set<DecisionKind> kinds) {
    Set<String> topics = new TreeSet<>();
    kinds.forEach(kind -> topics.add(kind.topic()));
    return topics;
  }
}
