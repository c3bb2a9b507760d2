package io.doppel.standalone.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/** Percentiles of a set of latencies, in milliseconds (nearest-rank). */
public record LatencyStats(int count, double p50, double p95, double p99, double max, double mean) {

  public static LatencyStats ofMillis(double[] millis) {
    if (millis.length == 0) {
      return new LatencyStats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    double[] sorted = millis.clone();
    Arrays.sort(sorted);
    return new LatencyStats(
        sorted.length,
        rank(sorted, 0.50),
        rank(sorted, 0.95),
        rank(sorted, 0.99),
        sorted[sorted.length - 1],
        Arrays.stream(sorted).average().orElse(Double.NaN));
  }

  private static double rank(double[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  public Map<String, Object> toMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("count", count);
    map.put("p50_ms", p50);
    map.put("p95_ms", p95);
    map.put("p99_ms", p99);
    map.put("max_ms", max);
    map.put("mean_ms", mean);
    return map;
  }
}
