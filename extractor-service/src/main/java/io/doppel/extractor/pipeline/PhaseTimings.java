package io.doppel.extractor.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where one image's extraction time went, in nanoseconds. The model phase is the image's share of
 * the batched model call (by number of views), since one call serves the whole batch. The local phase is the sum
 * over the image's views, which run in parallel: work, not wall time.
 */
public record PhaseTimings(
    long fetchNanos, long decodeNanos, long preprocessNanos, long modelNanos, long localNanos) {

  public static final PhaseTimings NONE = new PhaseTimings(0, 0, 0, 0, 0);
  private static final long NANOS_PER_MICRO = 1_000;

  /** The {@code ImageFeatures.stageMicros} map: fetch, decode, descriptor (preprocess + model), local. */
  public Map<String, Long> stageMicros() {
    Map<String, Long> micros = new LinkedHashMap<>();
    micros.put("fetch", fetchNanos / NANOS_PER_MICRO);
    micros.put("decode", decodeNanos / NANOS_PER_MICRO);
    micros.put("descriptor", (preprocessNanos + modelNanos) / NANOS_PER_MICRO);
    micros.put("local", localNanos / NANOS_PER_MICRO);
    return micros;
  }
}
