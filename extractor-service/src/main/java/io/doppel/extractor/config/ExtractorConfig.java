package io.doppel.extractor.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * Everything the extractor can be told, validated once at start-up. Each key {@code a.b-c} is read
 * from the environment variable {@code DOPPEL_EXTRACTOR_A_B_C} first, then from the properties file
 * named by {@code DOPPEL_EXTRACTOR_CONFIG}, then falls back to its default. The reference table of
 * keys is in extractor-service/README.md.
 */
public record ExtractorConfig(Fetch fetch, Decode decode, Model model, Local local, Views views, int workerThreads) {

  public static final String ENV_PREFIX = "DOPPEL_EXTRACTOR_";
  public static final String CONFIG_FILE_ENV = "DOPPEL_EXTRACTOR_CONFIG";
  public static final String BUILT_IN_MANIFEST = "classpath:models/doppel-copy-v2/manifest.json";
  private static final int CPUS = Runtime.getRuntime().availableProcessors();

  public record Fetch(long maxBytes, Duration connectTimeout, Duration readTimeout, int maxRedirects,
      List<Path> fileRoots, boolean blockPrivateAddresses, List<String> allowList,
      int retryMaxAttempts, Duration retryInitialBackoff, float circuitFailureRatePercent, Duration circuitOpenDuration) {
    public Fetch {
      fileRoots = List.copyOf(fileRoots);
      allowList = List.copyOf(allowList);
    }
  }

  /** {@code timeout}: the longest one image's decoding may take before it is rejected as TIMEOUT. */
  public record Decode(long maxPixels, Duration timeout) {}

  /** {@code manifest}: a filesystem path to manifest.json, or {@code classpath:} followed by a resource path. */
  public record Model(String manifest, Device device, int cudaDeviceId, int batchSize, int intraOpThreads, int interOpThreads) {}

  public enum Device { CPU, CUDA }

  /**
   * @param borderMargin keypoints closer than this (pixels at the working size, times the keypoint's pyramid scale) to an
   *     edge where a view's content meets a uniform border are dropped: they describe the border (0 keeps them)
   */
  public record Local(int maxKeypoints, int tileMaxKeypoints, int workingSize, double maxUpscale, int gridCells,
      double borderMargin) {}

  /**
   * @param centreCropShare share of the width and of the height the centred CROP view keeps (1 = no such view)
   * @param borderCrop add a CROP view of the content inside uniform borders, where there are such borders
   * @param borderTolerance largest channel difference from the border (or gutter) colour that still counts as border
   * @param stripPanels add a TILE view per panel between a strip's uniform gutters
   */
  public record Views(boolean mirror, double tileAspect, int maxTiles, double centreCropShare, boolean borderCrop,
      int borderTolerance, boolean stripPanels) {}

  /** Reads the process environment (and the file it names), validating everything. */
  public static ExtractorConfig fromEnvironment() {
    return load(System.getenv(), Map.of());
  }

  /** Like {@link #fromEnvironment()}, with {@code overrides} (properties-file keys) taking precedence, e.g. from a command line. */
  public static ExtractorConfig fromEnvironment(Map<String, String> overrides) {
    return load(System.getenv(), overrides);
  }

  /** Defaults plus the given overrides, keyed like the properties file ({@code model.batch-size}). */
  public static ExtractorConfig of(Map<String, String> overrides) {
    return from(overrides::get);
  }

  public static ExtractorConfig defaults() {
    return of(Map.of());
  }

  static ExtractorConfig load(Map<String, String> environment) {
    return load(environment, Map.of());
  }

  static ExtractorConfig load(Map<String, String> environment, Map<String, String> overrides) {
    Map<String, String> file = new HashMap<>();
    String configFile = environment.get(CONFIG_FILE_ENV);
    if (configFile != null && !configFile.isBlank()) {
      Properties properties = new Properties();
      try (Reader reader = Files.newBufferedReader(Path.of(configFile))) {
        properties.load(reader);
      } catch (IOException e) {
        throw new ConfigException(CONFIG_FILE_ENV + "=" + configFile + " cannot be read: " + e.getMessage(), e);
      }
      properties.stringPropertyNames().forEach(name -> file.put(name, properties.getProperty(name).trim()));
    }
    return from(key -> {
      if (overrides.containsKey(key)) {
        return overrides.get(key);
      }
      String fromEnv = environment.get(envName(key));
      return fromEnv != null ? fromEnv : file.get(key);
    });
  }

  /** {@code fetch.max-bytes} becomes {@code DOPPEL_EXTRACTOR_FETCH_MAX_BYTES}. */
  public static String envName(String key) {
    return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  private static ExtractorConfig from(Function<String, String> lookup) {
    TypedLookup r = new TypedLookup(lookup);
    Fetch fetch = new Fetch(
        r.longIn("fetch.max-bytes", 25L * 1024 * 1024, 1, Long.MAX_VALUE),
        Duration.ofMillis(r.longIn("fetch.connect-timeout-ms", 3_000, 1, 600_000)),
        Duration.ofMillis(r.longIn("fetch.read-timeout-ms", 10_000, 1, 600_000)),
        r.intIn("fetch.max-redirects", 3, 0, 20),
        r.list("fetch.file-roots").stream().map(root -> Path.of(root).toAbsolutePath().normalize()).toList(),
        r.bool("fetch.block-private-addresses", true),
        r.list("fetch.allow-list"),
        r.intIn("fetch.retry.max-attempts", 3, 1, 10),
        Duration.ofMillis(r.longIn("fetch.retry.initial-backoff-ms", 200, 1, 60_000)),
        (float) r.doubleIn("fetch.circuit-breaker.failure-rate-percent", 50, 1, 100),
        Duration.ofMillis(r.longIn("fetch.circuit-breaker.open-ms", 30_000, 1, 3_600_000)));
    Decode decode = new Decode(r.longIn("decode.max-pixels", 40_000_000L, 1, Integer.MAX_VALUE),
        Duration.ofMillis(r.longIn("decode.timeout-ms", 10_000, 1, 600_000)));
    Model model = new Model(
        r.string("model.manifest", BUILT_IN_MANIFEST),
        r.enumValue("model.device", Device.CPU, Device.class),
        r.intIn("model.cuda-device-id", 0, 0, 64),
        r.intIn("model.batch-size", 32, 1, 4096),
        r.intIn("model.intra-op-threads", CPUS, 1, 1024),
        r.intIn("model.inter-op-threads", 1, 1, 1024));
    Local local = new Local(
        r.intIn("local.max-keypoints", 150, 0, 10_000),
        r.intIn("local.tile-max-keypoints", 300, 0, 10_000),
        r.intIn("local.working-size", 640, 64, 8192),
        r.doubleIn("local.max-upscale", 4.0, 1.0, 8.0),
        r.intIn("local.grid-cells", 4, 1, 32),
        r.doubleIn("local.border-margin", 6.0, 0.0, 64.0));
    Views views = new Views(
        r.bool("views.mirror", true),
        r.doubleIn("views.tile-aspect", 2.5, 1.0, 1000),
        r.intIn("views.max-tiles", 16, 2, 256),
        r.doubleIn("views.centre-crop-share", 0.75, 0.3, 1.0),
        r.bool("views.border-crop", true),
        r.intIn("views.border-tolerance", 24, 0, 255),
        r.bool("views.strip-panels", true));
    int workers = r.intIn("pipeline.worker-threads", CPUS, 1, 1024);
    if (!r.problems.isEmpty()) {
      throw new ConfigException("invalid extractor configuration:\n  " + String.join("\n  ", r.problems));
    }
    return new ExtractorConfig(fetch, decode, model, local, views, workers);
  }

  /** Typed lookups that record every problem instead of stopping at the first. */
  private static final class TypedLookup {
    private final Function<String, String> lookup;
    private final List<String> problems = new ArrayList<>();

    TypedLookup(Function<String, String> lookup) {
      this.lookup = lookup;
    }

    private String raw(String key) {
      String value = lookup.apply(key);
      return value == null || value.isBlank() ? null : value.trim();
    }

    String string(String key, String fallback) {
      String value = raw(key);
      return value == null ? fallback : value;
    }

    List<String> list(String key) {
      String value = raw(key);
      return value == null ? List.of() : Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    boolean bool(String key, boolean fallback) {
      String value = raw(key);
      if (value == null) {
        return fallback;
      }
      if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(value);
      }
      problems.add(key + " (" + envName(key) + ") must be true or false, got '" + value + "'");
      return fallback;
    }

    long longIn(String key, long fallback, long min, long max) {
      String value = raw(key);
      if (value == null) {
        return fallback;
      }
      try {
        long parsed = Long.parseLong(value.replace("_", ""));
        if (parsed < min || parsed > max) {
          problems.add(key + " (" + envName(key) + ") must be in [" + min + ", " + max + "], got " + parsed);
          return fallback;
        }
        return parsed;
      } catch (NumberFormatException e) {
        problems.add(key + " (" + envName(key) + ") must be a whole number, got '" + value + "'");
        return fallback;
      }
    }

    int intIn(String key, int fallback, int min, int max) {
      return (int) longIn(key, fallback, min, max);
    }

    double doubleIn(String key, double fallback, double min, double max) {
      String value = raw(key);
      if (value == null) {
        return fallback;
      }
      try {
        double parsed = Double.parseDouble(value);
        if (!(parsed >= min && parsed <= max)) {
          problems.add(key + " (" + envName(key) + ") must be in [" + min + ", " + max + "], got " + parsed);
          return fallback;
        }
        return parsed;
      } catch (NumberFormatException e) {
        problems.add(key + " (" + envName(key) + ") must be a number, got '" + value + "'");
        return fallback;
      }
    }

    <E extends Enum<E>> E enumValue(String key, E fallback, Class<E> type) {
      String value = raw(key);
      if (value == null) {
        return fallback;
      }
      try {
        return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        problems.add(key + " (" + envName(key) + ") must be one of " + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT)
            + ", got '" + value + "'");
        return fallback;
      }
    }
  }
}
