package io.doppel.matcher.index;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The global-descriptor model whose vectors an index holds. Index names carry it (and the index
 * schema version), so descriptors of different model versions are never compared.
 */
public record ModelKey(String modelId, String modelVersion) {

  /** Bump when the stored layout of either backend changes incompatibly. */
  public static final int SCHEMA_VERSION = 1;

  private static final Pattern NOT_NAME_SAFE = Pattern.compile("[^a-z0-9]+");

  public ModelKey {
    Objects.requireNonNull(modelId, "modelId");
    Objects.requireNonNull(modelVersion, "modelVersion");
    if (sanitize(modelId).isEmpty() || sanitize(modelVersion).isEmpty()) {
      throw new IllegalArgumentException("model id and version need at least one letter or digit: '"
          + modelId + "', '" + modelVersion + "'");
    }
  }

  /** {@code <model id>/<model version>}, as logs and calibration files name a model. */
  public String idAndVersion() {
    return modelId + "/" + modelVersion;
  }

  /** {@code <prefix>_v<schema>_<model>_<version>}, lower-case letters, digits and underscores only. */
  public String qualifiedName(String prefix) {
    return prefix + "_v" + SCHEMA_VERSION + "_" + sanitize(modelId) + "_" + sanitize(modelVersion);
  }

  private static String sanitize(String value) {
    String lower = NOT_NAME_SAFE.matcher(value.toLowerCase(Locale.ROOT)).replaceAll("_");
    return lower.replaceAll("^_+|_+$", "");
  }
}
