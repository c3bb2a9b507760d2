package io.doppel.matcher.retrieval;

import java.util.LinkedHashMap;
import java.util.Map;

/** Time spent per matcher stage in one match, in microseconds; a stage entered twice adds up. Not thread-safe. */
final class StageTimings {

  static final String RETRIEVE = "retrieve";
  static final String VERIFY = "verify";
  static final String SCORE = "score";
  static final String INDEX = "index";
  private static final long NANOS_PER_MICRO = 1_000;

  private final Map<String, Long> micros = new LinkedHashMap<>();
  private long started = System.nanoTime();

  /** Charges the time since the last lap to {@code stage}. */
  void lap(String stage) {
    long now = System.nanoTime();
    micros.merge(stage, (now - started) / NANOS_PER_MICRO, Long::sum);
    started = now;
  }

  Map<String, Long> micros() {
    return micros;
  }
}
