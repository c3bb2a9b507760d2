package io.doppel.matcher.score;

/** The calibrated fused score in [0,1]: a logistic model over the pair's evidence. Pure and deterministic. */
public final class FusedScorer {

  private final Calibration calibration;
  private final double[] weights;

  public FusedScorer(Calibration calibration) {
    this.calibration = calibration;
    this.weights = calibration.weights().stream().mapToDouble(Double::doubleValue).toArray();
  }

  public double score(CandidateFeatures features) {
    return sigmoid(calibration.bias() + dot(weights, features.vector()));
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
