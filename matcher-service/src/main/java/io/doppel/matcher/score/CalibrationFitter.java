package io.doppel.matcher.score;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Fits a {@link Calibration} from candidate evidence and 0/1 labels: the {@code --candidates} CSV of {@code ./doppel
 * eval} (one row per verified candidate; columns {@code query_id, reference_id, label, global_similarity, local_votes,
 * inliers, inlier_area_share} and, where the file has them, {@code reference_coverage, inlier_density}; other columns
 * are ignored). Logistic regression by full-batch projected gradient descent on standardised features, with a small L2
 * penalty and weights kept non-negative so scores never fall as evidence grows. Deterministic: no sampling, fixed
 * steps. {@code ./doppel calibrate} splits the rows with a {@link HeldOutSplit}, fits on one half and reports on the
 * other.
 */
public final class CalibrationFitter {

  static final String LABEL = "label";
  private static final int ITERATIONS = 4000;
  private static final double LEARNING_RATE = 0.5;
  private static final double L2_PENALTY = 1e-4;
  private static final double MIN_STD = 1e-9;

  /** Feature vectors and labels, with the (query, reference) pair of each row. */
  public record Samples(
      List<String> queryIds,
      List<String> referenceIds,
      List<double[]> features,
      List<Integer> labels) {

    /** The rows whose query {@code keep} accepts. */
    public Samples where(java.util.function.Predicate<String> keep) {
      List<String> q = new ArrayList<>();
      List<String> r = new ArrayList<>();
      List<double[]> x = new ArrayList<>();
      List<Integer> y = new ArrayList<>();
      for (int i = 0; i < labels.size(); i++) {
        if (keep.test(queryIds.get(i))) {
          q.add(queryIds.get(i));
          r.add(referenceIds.get(i));
          x.add(features.get(i));
          y.add(labels.get(i));
        }
      }
      return new Samples(q, r, x, y);
    }

    /** These rows followed by {@code other}'s. */
    public Samples plus(Samples other) {
      List<String> q = new ArrayList<>(queryIds);
      List<String> r = new ArrayList<>(referenceIds);
      List<double[]> x = new ArrayList<>(features);
      List<Integer> y = new ArrayList<>(labels);
      q.addAll(other.queryIds());
      r.addAll(other.referenceIds());
      x.addAll(other.features());
      y.addAll(other.labels());
      return new Samples(q, r, x, y);
    }
  }

  private CalibrationFitter() {}

  public static Samples read(Path csv) {
    List<String> lines;
    try {
      lines = Files.readAllLines(csv);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + csv, e);
    }
    if (lines.isEmpty()) {
      throw new IllegalArgumentException(csv + " is empty: a header row is required");
    }
    List<String> header =
        Arrays.stream(lines.getFirst().split(",", -1)).map(String::strip).toList();
    int query = column(header, "query_id", csv);
    int reference = column(header, "reference_id", csv);
    int similarity = column(header, CandidateFeatures.GLOBAL_SIMILARITY, csv);
    int votes = column(header, CandidateFeatures.LOCAL_VOTES, csv);
    int inliers = column(header, CandidateFeatures.INLIERS, csv);
    int area = column(header, CandidateFeatures.INLIER_AREA_SHARE, csv);
    int label = column(header, LABEL, csv);
    int coverage = header.indexOf(CandidateFeatures.REFERENCE_COVERAGE);
    int density = header.indexOf(CandidateFeatures.INLIER_DENSITY);
    List<String> queryIds = new ArrayList<>();
    List<String> referenceIds = new ArrayList<>();
    List<double[]> features = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int row = 1; row < lines.size(); row++) {
      if (lines.get(row).isBlank()) {
        continue;
      }
      String[] cells = lines.get(row).split(",", -1);
      if (cells.length != header.size()) {
        throw new IllegalArgumentException(csv + " line " + (row + 1) + ": " + cells.length
            + " cells, header has " + header.size());
      }
      try {
        CandidateFeatures candidate = new CandidateFeatures(
            Double.parseDouble(cells[similarity].strip()),
            (int) Double.parseDouble(cells[votes].strip()),
            (int) Double.parseDouble(cells[inliers].strip()),
            Double.parseDouble(cells[area].strip()),
            coverage < 0 ? 0 : Double.parseDouble(cells[coverage].strip()),
            density < 0 ? 0 : Double.parseDouble(cells[density].strip()));
        int y = Integer.parseInt(cells[label].strip());
        if (y != 0 && y != 1) {
          throw new IllegalArgumentException(
              csv + " line " + (row + 1) + ": label must be 0 or 1, got " + y);
        }
        queryIds.add(cells[query].strip());
        referenceIds.add(cells[reference].strip());
        features.add(candidate.vector());
        labels.add(y);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            csv + " line " + (row + 1) + ": not a number: " + e.getMessage(), e);
      }
    }
    return new Samples(queryIds, referenceIds, features, labels);
  }

  private static int column(List<String> header, String name, Path csv) {
    int index = header.indexOf(name);
    if (index < 0) {
      throw new IllegalArgumentException(
          csv + ": column '" + name + "' missing from header " + header);
    }
    return index;
  }

  public static Calibration fit(Samples samples, String version, String fittedOn) {
    return fit(samples, CandidateFeatures.FEATURE_NAMES, version, fittedOn);
  }

  /** Fits weights for {@code features} only (names of {@link CandidateFeatures#FEATURE_NAMES}); the others weigh 0. */
  public static Calibration fit(
      Samples samples, List<String> features, String version, String fittedOn) {
    for (String feature : features) {
      if (!CandidateFeatures.FEATURE_NAMES.contains(feature)) {
        throw new IllegalArgumentException(
            "unknown feature '" + feature + "'; known: " + CandidateFeatures.FEATURE_NAMES);
      }
    }
    int[] columns =
        features.stream().mapToInt(CandidateFeatures.FEATURE_NAMES::indexOf).toArray();
    List<double[]> selected = samples.features().stream()
        .map(x -> {
          double[] picked = new double[columns.length];
          for (int j = 0; j < columns.length; j++) {
            picked[j] = x[columns[j]];
          }
          return picked;
        })
        .toList();
    return fitColumns(
        new Samples(samples.queryIds(), samples.referenceIds(), selected, samples.labels()),
        List.copyOf(features),
        version,
        fittedOn);
  }

  private static Calibration fitColumns(
      Samples samples, List<String> features, String version, String fittedOn) {
    int n = samples.labels().size();
    long positives = samples.labels().stream().filter(y -> y == 1).count();
    if (positives == 0 || positives == n) {
      throw new IllegalArgumentException(
          "fitting needs both labels; got " + positives + " positive of " + n + " rows");
    }
    int d = features.size();
    double[] mean = new double[d];
    double[] std = new double[d];
    for (double[] x : samples.features()) {
      for (int j = 0; j < d; j++) {
        mean[j] += x[j] / n;
      }
    }
    for (double[] x : samples.features()) {
      for (int j = 0; j < d; j++) {
        std[j] += (x[j] - mean[j]) * (x[j] - mean[j]) / n;
      }
    }
    for (int j = 0; j < d; j++) {
      std[j] = Math.max(MIN_STD, Math.sqrt(std[j]));
    }
    double[] w = new double[d];
    double b = 0;
    double[] z = new double[d];
    for (int iteration = 0; iteration < ITERATIONS; iteration++) {
      double[] gradW = new double[d];
      double gradB = 0;
      for (int i = 0; i < n; i++) {
        double[] x = samples.features().get(i);
        for (int j = 0; j < d; j++) {
          z[j] = (x[j] - mean[j]) / std[j];
        }
        double error =
            FusedScorer.sigmoid(b + FusedScorer.dot(w, z)) - samples.labels().get(i);
        for (int j = 0; j < d; j++) {
          gradW[j] += error * z[j] / n;
        }
        gradB += error / n;
      }
      for (int j = 0; j < d; j++) {
        w[j] = Math.max(0, w[j] - LEARNING_RATE * (gradW[j] + L2_PENALTY * w[j]));
      }
      b -= LEARNING_RATE * gradB;
    }
    List<Double> weights = new ArrayList<>();
    double bias = b;
    for (int j = 0; j < d; j++) {
      weights.add(w[j] / std[j]);
      bias -= w[j] * mean[j] / std[j];
    }
    return new Calibration(version, false, fittedOn, null, null, features, weights, bias);
  }

  public static double logLoss(FusedScorer scorer, Samples samples) {
    double loss = 0;
    for (int i = 0; i < samples.labels().size(); i++) {
      double p = Math.clamp(scorer.score(samples.features().get(i)), 1e-12, 1 - 1e-12);
      loss -= samples.labels().get(i) == 1 ? Math.log(p) : Math.log(1 - p);
    }
    return loss / samples.labels().size();
  }
}
