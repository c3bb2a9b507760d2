package io.doppel.matcher.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.doppel.matcher.index.ModelKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FusedScorerTest {

  private final FusedScorer scorer = new FusedScorer(Calibration.bundled());

  private final FusedScorer prior = new FusedScorer(resource(Calibration.PRIOR_RESOURCE));

  @Test
  void bundledCalibrationIsFittedAndSaysOnWhat() {
    Calibration bundled = Calibration.bundled();

    assertThat(bundled.prior()).isFalse();
    assertThat(bundled.fittedOn()).contains("./doppel calibrate").contains("DEV");
    assertThat(bundled.split())
        .as("the half it was fitted on is recorded, so its figures can be held out")
        .isNotNull();
    assertThat(scorer.calibrationVersion()).isEqualTo(bundled.version());
    assertThat(resource(Calibration.PRIOR_RESOURCE).prior()).isTrue();
  }

  @Test
  void bundledCalibrationSeparatesAVerifiedCopyFromAnUnrelatedPair() {
    assertThat(scorer.score(new CandidateFeatures(0.8, 20, 40, 0.5))).isGreaterThan(0.9);
    assertThat(scorer.score(new CandidateFeatures(0.3, 2, 5, 0.02))).isLessThan(0.01);
  }

  private static Calibration resource(String name) {
    try (var in = Calibration.class.getResourceAsStream(name)) {
      return Calibration.parse(in, "classpath:" + name);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void scoreNeverFallsAsAnyPieceOfEvidenceGrows() {
    CandidateFeatures base = new CandidateFeatures(0.4, 5, 10, 0.1);
    double score = scorer.score(base);

    assertThat(scorer.score(new CandidateFeatures(0.6, 5, 10, 0.1))).isGreaterThan(score);
    assertThat(scorer.score(new CandidateFeatures(0.4, 50, 10, 0.1))).isGreaterThan(score);
    assertThat(scorer.score(new CandidateFeatures(0.4, 5, 30, 0.1))).isGreaterThan(score);
    assertThat(scorer.score(new CandidateFeatures(0.4, 5, 10, 0.6))).isGreaterThan(score);
  }

  @Test
  void priorSeparatesTheDevInlierPrior() {
    assertThat(prior.score(new CandidateFeatures(0.5, 10, 20, 0.2))).isGreaterThan(0.9);
    assertThat(prior.score(new CandidateFeatures(0.5, 10, 8, 0.05))).isLessThan(0.1);
    assertThat(scorer.score(new CandidateFeatures(1.0, 1000, 100000, 1.0))).isBetween(0.0, 1.0);
    assertThat(scorer.score(new CandidateFeatures(-1.0, 0, 0, 0))).isBetween(0.0, 1.0);
  }

  @Test
  void calibrationFileWithNegativeWeightIsRejected(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, """
        {"version":"x","prior":false,"fittedOn":"test","features":["log1p_inliers","inlier_area_share","global_similarity","log1p_local_votes"],
         "weights":[1.0,-2.0,1.0,1.0],"bias":0}""");

    assertThatThrownBy(() -> Calibration.load(file))
        .isInstanceOf(InvalidCalibrationException.class)
        .hasMessageContaining("inlier_area_share")
        .hasMessageContaining(">= 0");
  }

  @Test
  void aCalibrationFitsOnlyTheGlobalModelItWasFittedOn(@TempDir Path dir) throws Exception {
    ModelKey fittedFor = new ModelKey("doppel-copy", "2");
    Calibration fitted =
        resource("/calibration/doppel-calibration-v6.json").forGlobalModel("doppel-copy/2");
    assertThat(fitted.fitsModel(fittedFor)).isTrue();
    assertThat(fitted.fitsModel(new ModelKey("doppel-copy", "1"))).isFalse();
    Path out = dir.resolve("fitted.json");
    fitted.write(out);
    assertThat(Calibration.load(out)).isEqualTo(fitted);

    Calibration older = resource("/calibration/doppel-calibration-v6.json");
    assertThat(older.globalModel()).as("files before v7 name no model").isNull();
    assertThat(older.fitsModel(new ModelKey("any", "1"))).isTrue();
    Calibration bundled = Calibration.bundled();
    assertThat(bundled.globalModel())
        .as("the bundled calibration names its model")
        .isNotNull();

    assertThatThrownBy(() -> fitted.forGlobalModel("doppel-copy"))
        .isInstanceOf(InvalidCalibrationException.class)
        .hasMessageContaining("'<model id>/<model version>'");
    Path noBias = dir.resolve("no-bias.json");
    Files.writeString(noBias, """
        {"version":"x","prior":false,"fittedOn":"test","features":["log1p_inliers"],"weights":[1.0]}""");
    assertThatThrownBy(() -> Calibration.load(noBias))
        .isInstanceOf(InvalidCalibrationException.class)
        .hasMessageContaining("bias");
  }

  @Test
  void anEarlierCalibrationWeighsOnlyTheFeaturesItNames() {
    Calibration v3 = resource("/calibration/doppel-calibration-v3.json");
    assertThat(v3.features()).doesNotContain("inliers_beyond_unrelated");
    FusedScorer earlier = new FusedScorer(v3);
    CandidateFeatures features = new CandidateFeatures(0.4, 10, 60, 0.05);
    double expected = FusedScorer.sigmoid(v3.bias()
        + v3.weights().get(0) * Math.log1p(60)
        + v3.weights().get(1) * 0.05
        + v3.weights().get(2) * 0.4
        + v3.weights().get(3) * Math.log1p(10));
    assertThat(earlier.score(features))
        .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-12));
  }

  @Test
  void manyInliersCoveringTheOriginalOutweighALowGlobalSimilarity() {
    // copies with 50-55 inliers over a small share of the query view and a middling global
    // similarity, no local votes,
    // whose inliers cover most of the original's keypoints (a copy inside a layout, or a small
    // crop)
    assertThat(scorer.score(new CandidateFeatures(0.366, 0, 50, 0.060, 0.55, 0.4)))
        .isGreaterThan(0.5);
    assertThat(scorer.score(new CandidateFeatures(0.441, 0, 55, 0.045, 0.6, 0.5)))
        .isGreaterThan(0.5);
    // an unrelated pair at what unrelated pairs reach, agreeing on a small part of the other image,
    // stays below
    assertThat(scorer.score(new CandidateFeatures(
            0.38, 0, CandidateFeatures.UNRELATED_MAX_INLIERS, 0.05, 0.15, 0.3)))
        .isLessThan(0.5);
  }

  @Test
  void calibrationFileWithUnknownFeatureOrKeyIsRejected(@TempDir Path dir) throws Exception {
    Path wrongFeatures = dir.resolve("features.json");
    Files.writeString(wrongFeatures, """
        {"version":"x","prior":false,"fittedOn":"test","features":["inliers"],"weights":[1.0],"bias":0}""");
    Path unknownKey = dir.resolve("key.json");
    Files.writeString(unknownKey, """
        {"version":"x","prior":false,"fittedOn":"test","features":["log1p_inliers","inlier_area_share","global_similarity","log1p_local_votes"],
         "weights":[1,1,1,1],"bias":0,"temperature":2}""");

    assertThatThrownBy(() -> Calibration.load(wrongFeatures))
        .isInstanceOf(InvalidCalibrationException.class)
        .hasMessageContaining("'features' must name some of");
    Path repeated = dir.resolve("repeated.json");
    Files.writeString(repeated, """
        {"version":"x","prior":false,"fittedOn":"test","features":["log1p_inliers","log1p_inliers"],"weights":[1,1],"bias":0}""");
    assertThatThrownBy(() -> Calibration.load(repeated))
        .isInstanceOf(InvalidCalibrationException.class)
        .hasMessageContaining("each once");
    assertThatThrownBy(() -> Calibration.load(unknownKey))
        .isInstanceOf(InvalidCalibrationException.class)
        .hasMessageContaining("temperature");
  }

  @Test
  void fitterSeparatesCopiesFromUnrelatedPairsDeterministically(@TempDir Path dir)
      throws Exception {
    Path csv = dir.resolve("candidates.csv");
    List<String> rows = new ArrayList<>(List.of(
        "query_id,reference_id,global_similarity,local_votes,inliers,inlier_area_share,label"));
    Random random = new Random(7);
    for (int i = 0; i < 400; i++) {
      boolean copy = i % 2 == 0;
      int inliers = copy ? 12 + random.nextInt(80) : random.nextInt(12);
      double similarity = copy ? 0.5 + 0.4 * random.nextDouble() : 0.1 + 0.5 * random.nextDouble();
      rows.add("q" + i + ",r" + i + "," + similarity + "," + random.nextInt(copy ? 40 : 10) + ","
          + inliers + "," + (copy ? 0.3 : 0.02) * random.nextDouble() + "," + (copy ? 1 : 0));
    }
    Files.write(csv, rows);

    CalibrationFitter.Samples samples = CalibrationFitter.read(csv);
    Calibration first = CalibrationFitter.fit(samples, "test-v1", "synthetic");
    Calibration second = CalibrationFitter.fit(samples, "test-v1", "synthetic");
    FusedScorer fitted = new FusedScorer(first);

    assertThat(first).isEqualTo(second);
    assertThat(first.prior()).isFalse();
    assertThat(fitted.score(new CandidateFeatures(0.7, 20, 40, 0.2))).isGreaterThan(0.9);
    assertThat(fitted.score(new CandidateFeatures(0.3, 3, 4, 0.01))).isLessThan(0.1);

    Path out = dir.resolve("fitted.json");
    first.write(out);
    assertThat(Calibration.load(out)).isEqualTo(first);

    List<String> some = List.of("log1p_inliers", "supported_area_share", "global_similarity");
    Calibration subset = CalibrationFitter.fit(samples, some, "test-v2", "synthetic");
    assertThat(subset.features()).isEqualTo(some);
    assertThat(subset.weights()).hasSize(3);
    assertThat(new FusedScorer(subset).score(new CandidateFeatures(0.7, 20, 40, 0.2)))
        .isGreaterThan(0.9);
    assertThatThrownBy(() -> CalibrationFitter.fit(samples, List.of("inliers_squared"), "x", "y"))
        .hasMessageContaining("unknown feature 'inliers_squared'");
  }

  @Test
  void areaShareSupportedByFewInliersCountsLess() {
    double[] chance = new CandidateFeatures(0.4, 2, 4, 0.3).vector();
    double[] copy = new CandidateFeatures(0.4, 2, 24, 0.3).vector();
    int supported = CandidateFeatures.FEATURE_NAMES.indexOf("supported_area_share");
    assertThat(chance[supported]).isCloseTo(0.1, offset(1e-9));
    assertThat(copy[supported]).isEqualTo(0.3);
  }

  @Test
  void fitterRejectsACsvWithoutLabels(@TempDir Path dir) throws Exception {
    Path csv = dir.resolve("nolabel.csv");
    Files.writeString(
        csv,
        "query_id,reference_id,global_similarity,local_votes,inliers,inlier_area_share\nq,r,0.5,1,2,0.1\n");

    assertThatThrownBy(() -> CalibrationFitter.read(csv)).hasMessageContaining("'label' missing");
  }
}
