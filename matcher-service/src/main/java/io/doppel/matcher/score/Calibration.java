package io.doppel.matcher.score;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.doppel.matcher.index.ModelKey;
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
 * @param globalModel the global descriptor model ({@code id/version}) whose similarities it was fitted on: another
 *     model's similarities are distributed differently, so a matcher of another model warns at start-up. Null in the prior
 *     and in calibration files v6 and earlier, which do not record it (all fitted for {@code doppel-copy/1}).
 * @param split how the fitting data were halved, and which half the fit saw; figures are reported on the other half.
 *     Null for calibrations fitted on all their data (v7 and earlier): their figures on that data are in-sample.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Calibration(
    @JsonProperty(required = true) String version,
    @JsonProperty(required = true) boolean prior,
    @JsonProperty(required = true) String fittedOn,
    String globalModel,
    HeldOutSplit split,
    @JsonProperty(required = true) List<String> features,
    @JsonProperty(required = true) List<Double> weights,
    @JsonProperty(required = true) double bias) {

  public static final String DEFAULT_RESOURCE = "/calibration/doppel-calibration-v8.json";
  /** The hand-set prior that preceded the first fit; kept to re-fit from and to compare against. */
  public static final String PRIOR_RESOURCE = "/calibration/doppel-calibration-v1.json";

  /** Every property but {@code globalModel} is required (each marked so), since files before v7 lack that one. */
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(SerializationFeature.INDENT_OUTPUT);

  public Calibration {
    if (version == null || version.isBlank()) {
      throw new InvalidCalibrationException("calibration: 'version' is required");
    }
    if (fittedOn == null || fittedOn.isBlank()) {
      throw new InvalidCalibrationException("calibration " + version
          + ": 'fittedOn' must say what it was fitted on, or that it is a prior");
    }
    if (globalModel != null && !globalModel.matches("[^/\\s]+/[^/\\s]+")) {
      throw new InvalidCalibrationException("calibration " + version
          + ": 'globalModel' must be '<model id>/<model version>', got '" + globalModel + "'");
    }
    if (features == null
        || features.isEmpty()
        || !CandidateFeatures.FEATURE_NAMES.containsAll(features)
        || Set.copyOf(features).size() != features.size()) {
      throw new InvalidCalibrationException(
          "calibration " + version + ": 'features' must name some of "
              + CandidateFeatures.FEATURE_NAMES + ", each once, got " + features);
    }
    if (weights == null || weights.size() != features.size()) {
      throw new InvalidCalibrationException(
          "calibration " + version + ": one weight per feature expected (" + features.size()
              + "), got " + (weights == null ? "none" : weights.size()));
    }
    for (int i = 0; i < weights.size(); i++) {
      Double w = weights.get(i);
      if (w == null || !Double.isFinite(w) || w < 0) {
        throw new InvalidCalibrationException("calibration " + version + ": weight of "
            + features.get(i)
            + " must be a finite number >= 0 (scores must not fall as evidence grows), got " + w);
      }
    }
    if (!Double.isFinite(bias)) {
      throw new InvalidCalibrationException(
          "calibration " + version + ": bias must be finite, got " + bias);
    }
    features = List.copyOf(features);
    weights = List.copyOf(weights);
  }

  /** True unless this was fitted on the similarities of a global model other than {@code model}. */
  public boolean fitsModel(ModelKey model) {
    return globalModel == null || globalModel.equals(model.idAndVersion());
  }

  /** This calibration, marked as fitted on the similarities of {@code model} ({@link ModelKey#idAndVersion()}). */
  public Calibration forGlobalModel(String model) {
    return new Calibration(version, prior, fittedOn, model, split, features, weights, bias);
  }

  public static Calibration load(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in, file.toString());
    } catch (IOException e) {
      throw new InvalidCalibrationException(
          "cannot read calibration file " + file + ": " + e.getMessage(), e);
    }
  }

  /** The calibration shipped with the matcher. */
  public static Calibration bundled() {
    try (InputStream in = Calibration.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new InvalidCalibrationException(
            "bundled calibration " + DEFAULT_RESOURCE + " is missing from the classpath");
      }
      return parse(in, "classpath:" + DEFAULT_RESOURCE);
    } catch (IOException e) {
      throw new InvalidCalibrationException(
          "cannot read bundled calibration: " + e.getMessage(), e);
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
