package io.doppel.matcher;

import java.util.List;

/** The matcher's configuration is incomplete or wrong; lists every problem found, so one restart fixes them all. */
public class InvalidConfigException extends RuntimeException {

  private final List<String> problems;

  public InvalidConfigException(List<String> problems) {
    super("invalid matcher configuration:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
