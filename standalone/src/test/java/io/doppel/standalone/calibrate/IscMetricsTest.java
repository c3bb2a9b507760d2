package io.doppel.standalone.calibrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.doppel.standalone.calibrate.IscMetrics.Prediction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The cases the evaluation set's own scorer (score.py) is checked on, worked out by hand there and here. */
class IscMetricsTest {

  @Test
  void tiesCountAgainstAndAMissingPairAddsNothing() {
    // pooled: q1 r1 .9 TP | q5 r2 .8 FP | q2 r9 .7 FP | q2 r2 .7 TP | q3 r7 .6 FP | q3 r3 .5 TP |
    // q6 r1 .4 FP | q4 r5 .3 FP
    // AP = (1 + 2/4 + 3/6) / 4 = 0.5; precision >= 0.99 only for the first pair: recall 1/4 at
    // threshold 0.9
    IscMetrics m = IscMetrics.of(
        Map.of("q1", "r1", "q2", "r2", "q3", "r3", "q4", "r4"),
        Set.of("q5", "q6"),
        List.of(
            new Prediction("q1", "r1", .9),
            new Prediction("q5", "r2", .8),
            new Prediction("q2", "r2", .7),
            new Prediction("q2", "r9", .7),
            new Prediction("q3", "r7", .6),
            new Prediction("q3", "r3", .5),
            new Prediction("q6", "r1", .4),
            new Prediction("q4", "r5", .3)));

    assertThat(m.microAp()).isCloseTo(0.5, within(1e-12));
    assertThat(m.recallAtP90()).isEqualTo(0.25);
    assertThat(m.recallAtP99()).isEqualTo(0.25);
    assertThat(m.thresholdAtP99()).isEqualTo(0.9);
    assertThat(m.recallAt1()).as("q2 ties its wrong pair: not first").isEqualTo(0.25);
    assertThat(m.fprAtP99()).isZero();
  }

  @Test
  void aWrongPairTiedWithARightOneComesFirst() {
    Map<String, String> truth = new HashMap<>();
    List<Prediction> predictions = new ArrayList<>();
    double[] scores = {1.00, .99, .98, .97, .96, .95, .94, .93, .92, .91};
    for (int i = 1; i <= 10; i++) {
      truth.put("q" + i, "r" + i);
      predictions.add(new Prediction("q" + i, "r" + i, scores[i - 1]));
    }
    predictions.add(new Prediction("q13", "r1", .93));
    predictions.add(new Prediction("q12", "r3", .925));
    predictions.add(new Prediction("q11", "r1", .915));

    IscMetrics m = IscMetrics.of(truth, Set.of("q11", "q12", "q13"), predictions);

    assertThat(m.microAp()).isCloseTo((7 + 8 / 9.0 + 9 / 11.0 + 10 / 13.0) / 10, within(1e-12));
    assertThat(m.recallAtP90()).isEqualTo(0.7);
    assertThat(m.recallAtP99()).isEqualTo(0.7);
    assertThat(m.thresholdAtP99()).isEqualTo(0.94);
    assertThat(m.fprAtP99()).isZero();
    assertThat(m.recallAt1()).isEqualTo(1.0);
  }

  @Test
  void aDistractorAboveTheP99ThresholdIsAFalsePositive() {
    // 100 copies scored 1.000 down to 0.901 and one distractor at 0.95: the whole list keeps
    // precision 100/101 >= 0.99,
    // so recall@P0.99 is 1 at threshold 0.901, and the distractor above it is a false positive; the
    // other is not
    Map<String, String> truth = new HashMap<>();
    List<Prediction> predictions = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      truth.put("q" + i, "r" + i);
      predictions.add(new Prediction("q" + i, "r" + i, 1.0 - i / 1000.0));
    }
    predictions.add(new Prediction("d1", "r7", 0.95));
    predictions.add(new Prediction("d2", "r7", 0.5));

    IscMetrics m = IscMetrics.of(truth, Set.of("d1", "d2"), predictions);

    assertThat(m.recallAtP99()).isEqualTo(1.0);
    assertThat(m.thresholdAtP99()).isCloseTo(0.901, within(1e-12));
    assertThat(m.fprAtP99()).isEqualTo(0.5);
  }
}
