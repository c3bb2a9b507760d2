package io.doppel.standalone.calibrate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The figures of the ISC2021 protocol that {@code ../shared/eval/score.py} prints, computed the same way, so that a
 * calibration can be judged on a held-out half without leaving Java. Pairs are pooled over all queries and sorted by
 * decreasing score, wrong pairs first among equal scores (the worst order for ties).
 *
 * <pre>
 * micro-AP      = Σ over true pairs in the pooled order of precision there, / P   (P = queries with a match)
 * recall@P(p)   = the highest recall of a prefix whose precision ≥ p; threshold = that prefix's last score
 * recall@1      = share of matching queries whose true pair outranks every other pair of the query (ties count against)
 * FPR@P0.99     = share of distractor queries with a pair scored ≥ the P0.99 threshold
 * </pre>
 *
 * Guarded by {@code IscMetricsTest}, whose cases are the ones score.py's own test computes by hand.
 */
public record IscMetrics(
    int matchingQueries,
    int distractorQueries,
    double microAp,
    double recallAtP90,
    double recallAtP99,
    double thresholdAtP99,
    double recallAt1,
    double fprAtP99) {

  /** One scored (query, reference) pair. */
  public record Prediction(String queryId, String referenceId, double score) {}

  /**
   * @param truth query id to its reference, for the queries that copy one
   * @param distractors the queries that copy nothing
   */
  public static IscMetrics of(
      Map<String, String> truth, Set<String> distractors, List<Prediction> predictions) {
    int positives = truth.size();
    List<Prediction> pooled = new ArrayList<>(predictions);
    Comparator<Prediction> worstTiesFirst = Comparator.comparingDouble(Prediction::score)
        .reversed()
        .thenComparing(p -> correct(truth, p));
    pooled.sort(worstTiesFirst);
    double ap = 0;
    int truePositives = 0;
    double recall90 = 0;
    double recall99 = 0;
    double threshold99 = Double.NaN;
    for (int i = 0; i < pooled.size(); i++) {
      if (correct(truth, pooled.get(i))) {
        truePositives++;
        ap += (double) truePositives / (i + 1);
      }
      double precision = (double) truePositives / (i + 1);
      double recall = positives == 0 ? 0 : (double) truePositives / positives;
      if (precision >= 0.9 && recall > recall90) {
        recall90 = recall;
      }
      if (precision >= 0.99 && recall > recall99) {
        recall99 = recall;
        threshold99 = pooled.get(i).score();
      }
    }
    Map<String, List<Prediction>> byQuery = new HashMap<>();
    predictions.forEach(
        p -> byQuery.computeIfAbsent(p.queryId(), q -> new ArrayList<>()).add(p));
    int firstRanked = 0;
    for (Map.Entry<String, String> pair : truth.entrySet()) {
      List<Prediction> own = byQuery.getOrDefault(pair.getKey(), List.of());
      double trueScore = own.stream()
          .filter(p -> p.referenceId().equals(pair.getValue()))
          .mapToDouble(Prediction::score)
          .findFirst()
          .orElse(Double.NaN);
      if (!Double.isNaN(trueScore)
          && own.stream().filter(p -> p.score() >= trueScore).count() == 1) {
        firstRanked++;
      }
    }
    int falsePositives = 0;
    for (String distractor : distractors) {
      double threshold = threshold99;
      if (!Double.isNaN(threshold)
          && byQuery.getOrDefault(distractor, List.of()).stream()
              .anyMatch(p -> p.score() >= threshold)) {
        falsePositives++;
      }
    }
    return new IscMetrics(
        positives,
        distractors.size(),
        positives == 0 ? 0 : ap / positives,
        recall90,
        recall99,
        threshold99,
        positives == 0 ? 0 : (double) firstRanked / positives,
        distractors.isEmpty() || Double.isNaN(threshold99)
            ? 0
            : (double) falsePositives / distractors.size());
  }

  private static boolean correct(Map<String, String> truth, Prediction p) {
    return p.referenceId().equals(truth.get(p.queryId()));
  }

  /** One line: {@code micro-AP 0.9931 · recall@P0.99 0.968 (thr 0.43) · recall@1 0.996 · FPR 0.5 % (of 1000)}. */
  public String summary() {
    return String.format(
        java.util.Locale.ROOT,
        "micro-AP %.4f · recall@P0.9 %.3f · recall@P0.99 %.3f (threshold %.3f) · recall@1 %.3f · FPR@P0.99 %.2f %% (of %d distractors; %d copies)",
        microAp,
        recallAtP90,
        recallAtP99,
        thresholdAtP99,
        recallAt1,
        100 * fprAtP99,
        distractorQueries,
        matchingQueries);
  }
}
