package io.doppel.matcher.score;

/** The calibrated fused score in [0,1]: a logistic model over the pair's evidence. Pure and deterministic. */
public final class FusedScorer {

  private final Calibration calibration;
  /** The calibration's weights, placed at their features' positions in {@link CandidateFeatures#vector()}. */
  private final double[] weights;

  public FusedScorer(Calibration calibration) {
    this.calibration = calibration;
    this.weights = new double[CandidateFeatures.FEATURE_NAMES.size()];
    for (int i = 0; i < calibration.features().size(); i++) {
      weights[CandidateFeatures.FEATURE_NAMES.indexOf(calibration.features().get(i))] =
          calibration.weights().get(i);
    }
  }

  public double score(CandidateFeatures features) {
    return score(features.vector());
  }

  /** The score of a feature vector in {@link CandidateFeatures#vector()}'s order. */
  public double score(double[] vector) {
    assert vector.length == weights.length
        : vector.length + " features, the calibration places " + weights.length;
    return sigmoid(calibration.bias() + dot(weights, vector));
  }

  public String calibrationVersion() {
    return calibration.version();
  }

  static double dot(double[] a, double[] b) {
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }

  static double sigmoid(double z) {
    return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
  }
}
