package io.doppel.matcher.score;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A versioned logistic-regression calibration: score = sigmoid(bias + sum(weights[i] * feature[i])),
 * over the features it names, some or all of {@link CandidateFeatures#FEATURE_NAMES} (earlier versions
 * weigh fewer). Weights are non-negative so that more evidence never
 * lowers a score (the fitter enforces it; loading checks it).
 *
 * @param version recorded in every MatchEvent as calibrationVersion
 * @param prior true for a hand-set prior that was not fitted on data
 * @param fittedOn what it was fitted on (or why it is a prior)
 */
public record Calibration(String version, boolean prior, String fittedOn, List<String> features, List<Double> weights, double bias) {

  public static final String DEFAULT_RESOURCE = "/calibration/doppel-calibration-v6.json";
  /** The hand-set prior that preceded the first fit; kept to re-fit from and to compare against. */
  public static final String PRIOR_RESOURCE = "/calibration/doppel-calibration-v1.json";

  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  public Calibration {
    if (version == null || version.isBlank()) {
      throw new InvalidCalibrationException("calibration: 'version' is required");
    }
    if (fittedOn == null || fittedOn.isBlank()) {
      throw new InvalidCalibrationException("calibration " + version + ": 'fittedOn' must say what it was fitted on, or that it is a prior");
    }
    if (features == null || features.isEmpty() || !CandidateFeatures.FEATURE_NAMES.containsAll(features)
        || Set.copyOf(features).size() != features.size()) {
      throw new InvalidCalibrationException("calibration " + version + ": 'features' must name some of "
          + CandidateFeatures.FEATURE_NAMES + ", each once, got " + features);
    }
    if (weights == null || weights.size() != features.size()) {
      throw new InvalidCalibrationException("calibration " + version + ": one weight per feature expected ("
          + features.size() + "), got " + (weights == null ? "none" : weights.size()));
    }
    for (int i = 0; i < weights.size(); i++) {
      Double w = weights.get(i);
      if (w == null || !Double.isFinite(w) || w < 0) {
        throw new InvalidCalibrationException("calibration " + version + ": weight of " + features.get(i)
            + " must be a finite number >= 0 (scores must not fall as evidence grows), got " + w);
      }
    }
    if (!Double.isFinite(bias)) {
      throw new InvalidCalibrationException("calibration " + version + ": bias must be finite, got " + bias);
    }
    features = List.copyOf(features);
    weights = List.copyOf(weights);
  }

  public static Calibration load(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in, file.toString());
    } catch (IOException e) {
      throw new InvalidCalibrationException("cannot read calibration file " + file + ": " + e.getMessage(), e);
    }
  }

  /** The calibration shipped with the matcher. */
  public static Calibration bundled() {
    try (InputStream in = Calibration.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new InvalidCalibrationException("bundled calibration " + DEFAULT_RESOURCE + " is missing from the classpath");
      }
      return parse(in, "classpath:" + DEFAULT_RESOURCE);
    } catch (IOException e) {
      throw new InvalidCalibrationException("cannot read bundled calibration: " + e.getMessage(), e);
    }
  }

  static Calibration parse(InputStream in, String origin) throws IOException {
    try {
      return JSON.readValue(in, Calibration.class);
    } catch (InvalidCalibrationException e) {
      throw new InvalidCalibrationException(origin + ": " + e.getMessage(), e);
    } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
      Throwable cause = e.getCause() instanceof InvalidCalibrationException invalid ? invalid : e;
      throw new InvalidCalibrationException(origin + ": " + cause.getMessage(), e);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new InvalidCalibrationException(origin + ": " + e.getOriginalMessage(), e);
    }
  }

  public void write(Path file) {
    try {
      JSON.writeValue(file.toFile(), this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
