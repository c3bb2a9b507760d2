package io.doppel.matcher;

import io.doppel.matcher.index.MilvusIndexConfig.GlobalIndex;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.retrieval.RetrievalSettings;
import io.doppel.matcher.verify.VerifierSettings;
import io.doppel.topology.runtime.KafkaSecurityEnvironment;
import io.doppel.topology.runtime.StreamsRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * The matcher service's configuration, read from the environment ({@code DOPPEL_*}) and an
 * optional properties file named by {@code DOPPEL_MATCHER_CONFIG_FILE} whose keys are the same
 * variable names; the environment wins. Validated as a whole: {@link InvalidConfigException}
 * lists every problem. Secrets (the Milvus token) come from the environment or a mounted file only.
 * The reference table is in {@code matcher-service/README.md}, section "Configuration".
 */
public record MatcherConfig(
    String bootstrapServers,
    String schemaRegistryUrl,
    String schemaRegistryAuth,
    String applicationId,
    Path dataDirectory,
    int streamThreads,
    Duration retryBudget,
    Duration commitInterval,
    ModelKey model,
    int modelDimension,
    IndexBackend indexBackend,
    Milvus milvus,
    Path policyFile,
    Path calibrationFile,
    RetrievalSettings retrieval,
    VerifierSettings verifier,
    int opsPort,
    Map<String, String> kafkaSecurity) {

  public MatcherConfig {
    kafkaSecurity = Map.copyOf(kafkaSecurity);
  }

  /** Which {@code VectorIndex} implementation the service opens. */
  public enum IndexBackend { LUCENE, MILVUS }

  /** Milvus connection; null fields when the backend is Lucene. Its {@code toString} hides the token. */
  public record Milvus(String uri, String token, GlobalIndex globalIndex) {
    @Override
    public String toString() {
      return "Milvus[uri=" + uri + ", token=" + (token == null ? "none" : "****") + ", globalIndex=" + globalIndex + "]";
    }
  }

  public static final String CONFIG_FILE = "DOPPEL_MATCHER_CONFIG_FILE";
  public static final String BOOTSTRAP_SERVERS = "DOPPEL_KAFKA_BOOTSTRAP_SERVERS";
  public static final String SCHEMA_REGISTRY_URL = "DOPPEL_SCHEMA_REGISTRY_URL";
  /** {@code user:password} (basic) or a bearer token prefixed {@code "Bearer "}; environment only. */
  public static final String SCHEMA_REGISTRY_AUTH = "DOPPEL_SCHEMA_REGISTRY_AUTH";
  /** Port of /health/live, /health/ready and /metrics (0: any free port, for tests). */
  public static final String OPS_PORT = "DOPPEL_OPS_PORT";
  public static final String APPLICATION_ID = "DOPPEL_MATCHER_APPLICATION_ID";
  public static final String DATA_DIR = "DOPPEL_MATCHER_DATA_DIR";
  public static final String STREAM_THREADS = "DOPPEL_MATCHER_STREAM_THREADS";
  public static final String RETRY_BUDGET = "DOPPEL_MATCHER_RETRY_BUDGET";
  public static final String COMMIT_INTERVAL_MS = "DOPPEL_MATCHER_COMMIT_INTERVAL_MS";
  public static final String MODEL_ID = "DOPPEL_MODEL_ID";
  public static final String MODEL_VERSION = "DOPPEL_MODEL_VERSION";
  public static final String MODEL_DIMENSION = "DOPPEL_MODEL_DIMENSION";
  public static final String INDEX = "DOPPEL_MATCHER_INDEX";
  public static final String MILVUS_URI = "DOPPEL_MILVUS_URI";
  public static final String MILVUS_TOKEN = "DOPPEL_MILVUS_TOKEN";
  public static final String MILVUS_TOKEN_FILE = "DOPPEL_MILVUS_TOKEN_FILE";
  public static final String MILVUS_GLOBAL_INDEX = "DOPPEL_MILVUS_GLOBAL_INDEX";
  public static final String POLICY_FILE = "DOPPEL_MATCHER_POLICY_FILE";
  public static final String CALIBRATION_FILE = "DOPPEL_MATCHER_CALIBRATION_FILE";
  public static final String GLOBAL_TOP_K = "DOPPEL_MATCHER_GLOBAL_TOP_K";
  public static final String LOCAL_DESCRIPTORS = "DOPPEL_MATCHER_LOCAL_DESCRIPTORS";
  public static final String LOCAL_NEIGHBOURS = "DOPPEL_MATCHER_LOCAL_NEIGHBOURS";
  public static final String LOCAL_MAX_HAMMING = "DOPPEL_MATCHER_LOCAL_MAX_HAMMING";
  public static final String LOCAL_MAX_IMAGES = "DOPPEL_MATCHER_LOCAL_MAX_IMAGES";
  public static final String CANDIDATE_CAP = "DOPPEL_MATCHER_CANDIDATE_CAP";
  public static final String PER_VIEW_CANDIDATES = "DOPPEL_MATCHER_PER_VIEW_CANDIDATES";
  public static final String FIRST_PASS_CAP = "DOPPEL_MATCHER_FIRST_PASS_CAP";
  public static final String CONFIDENT_INLIERS = "DOPPEL_MATCHER_CONFIDENT_INLIERS";
  public static final String RATIO = "DOPPEL_MATCHER_RATIO_TEST";
  public static final String REPROJECTION_SHARE = "DOPPEL_MATCHER_REPROJECTION_SHARE";
  /** {@code DOPPEL_KAFKA_SECURITY_PROTOCOL}, {@code DOPPEL_KAFKA_SASL_*}, {@code DOPPEL_KAFKA_SSL_*} (each also as {@code *_FILE}) become {@code security.protocol}, {@code sasl.*}, {@code ssl.*}: see {@link KafkaSecurityEnvironment}. */
  public static final String KAFKA_SECURITY_PREFIX = KafkaSecurityEnvironment.PREFIX;

  static final String DEFAULT_APPLICATION_ID = "doppel-matcher";
  static final String DEFAULT_DATA_DIR = "data/matcher";
  static final int DEFAULT_STREAM_THREADS = 1;
  static final Duration DEFAULT_RETRY_BUDGET = Duration.ofSeconds(60);
  private static final int MAX_COMMIT_INTERVAL_MS = 60_000;
  private static final int MAX_PORT = 65_535;

  /** Secrets are never read from the config file, which may live in a repository. */
  private static final List<String> ENVIRONMENT_ONLY = List.of(MILVUS_TOKEN, SCHEMA_REGISTRY_AUTH, "DOPPEL_KAFKA_SASL_JAAS_CONFIG",
      "DOPPEL_KAFKA_SSL_KEYSTORE_PASSWORD", "DOPPEL_KAFKA_SSL_TRUSTSTORE_PASSWORD", "DOPPEL_KAFKA_SSL_KEY_PASSWORD");

  @Override
  public String toString() {
    return "MatcherConfig[bootstrapServers=" + bootstrapServers + ", schemaRegistryUrl=" + schemaRegistryUrl
        + ", schemaRegistryAuth=" + (schemaRegistryAuth == null ? "none" : "****") + ", applicationId=" + applicationId + ", dataDirectory=" + dataDirectory + ", streamThreads=" + streamThreads
        + ", retryBudget=" + retryBudget + ", commitInterval=" + commitInterval + ", model=" + model + ", modelDimension=" + modelDimension
        + ", indexBackend=" + indexBackend + ", milvus=" + milvus + ", policyFile=" + policyFile
        + ", calibrationFile=" + calibrationFile + ", retrieval=" + retrieval + ", verifier=" + verifier
        + ", opsPort=" + opsPort + ", kafkaSecurity=" + kafkaSecurity.keySet() + "]";
  }

  /** Reads the process environment (and the file it names). */
  public static MatcherConfig fromEnvironment() {
    return from(System.getenv());
  }

  /** Reads {@code environment} (and the file it names); {@link InvalidConfigException} lists every problem. */
  public static MatcherConfig from(Map<String, String> environment) {
    Reader reader = new Reader(merged(environment));
    String bootstrap = reader.required(BOOTSTRAP_SERVERS);
    String registry = reader.optional(SCHEMA_REGISTRY_URL, null);
    String registryAuth = reader.optional(SCHEMA_REGISTRY_AUTH, null);
    int opsPort = reader.integer(OPS_PORT, io.doppel.topology.ops.Deployment.OPS_PORT, 0, MAX_PORT);
    String applicationId = reader.optional(APPLICATION_ID, DEFAULT_APPLICATION_ID);
    Path dataDir = reader.path(DATA_DIR, Path.of(DEFAULT_DATA_DIR));
    int threads = reader.integer(STREAM_THREADS, DEFAULT_STREAM_THREADS, 1, Integer.MAX_VALUE);
    Duration retryBudget = reader.duration(RETRY_BUDGET, DEFAULT_RETRY_BUDGET);
    Duration commitInterval = Duration.ofMillis(reader.integer(COMMIT_INTERVAL_MS,
        (int) StreamsRuntime.DEFAULT_COMMIT_INTERVAL.toMillis(), 1, MAX_COMMIT_INTERVAL_MS));
    String modelId = reader.required(MODEL_ID);
    String modelVersion = reader.required(MODEL_VERSION);
    int dimension = reader.integer(MODEL_DIMENSION, -1, 1, Integer.MAX_VALUE);
    if (dimension == -1 && reader.raw(MODEL_DIMENSION) == null) {
      reader.problems.add(MODEL_DIMENSION + " is required (the global descriptor's dimension)");
    }
    IndexBackend backend = reader.choice(INDEX, IndexBackend.LUCENE, IndexBackend.class);
    Milvus milvus = null;
    if (backend == IndexBackend.MILVUS) {
      String token = reader.optional(MILVUS_TOKEN, null);
      Path tokenFile = reader.path(MILVUS_TOKEN_FILE, null);
      if (token == null && tokenFile != null) {
        token = reader.secretFile(MILVUS_TOKEN_FILE, tokenFile);
      }
      if (token != null) {
        KafkaSecurityEnvironment.registerForRedaction(token);
      }
      milvus = new Milvus(reader.required(MILVUS_URI), token, reader.choice(MILVUS_GLOBAL_INDEX, GlobalIndex.HNSW, GlobalIndex.class));
    }
    Path policy = reader.existingFile(POLICY_FILE);
    Path calibration = reader.existingFile(CALIBRATION_FILE);
    RetrievalSettings d = RetrievalSettings.DEFAULTS;
    RetrievalSettings retrieval = reader.build("retrieval settings", () -> new RetrievalSettings(
        reader.integer(GLOBAL_TOP_K, d.globalTopK(), 1, Integer.MAX_VALUE),
        reader.integer(LOCAL_DESCRIPTORS, d.localDescriptors(), 1, Integer.MAX_VALUE),
        reader.integer(LOCAL_NEIGHBOURS, d.localNeighbours(), 1, Integer.MAX_VALUE),
        reader.integer(LOCAL_MAX_HAMMING, d.localMaxHamming(), 0, Integer.MAX_VALUE),
        reader.integer(LOCAL_MAX_IMAGES, d.localMaxImages(), 1, Integer.MAX_VALUE),
        reader.integer(CANDIDATE_CAP, d.candidateCap(), 1, Integer.MAX_VALUE),
        reader.integer(PER_VIEW_CANDIDATES, d.perViewCandidates(), 0, Integer.MAX_VALUE),
        reader.integer(FIRST_PASS_CAP, d.firstPassCap(), 1, Integer.MAX_VALUE),
        reader.integer(CONFIDENT_INLIERS, d.confidentInliers(), 0, Integer.MAX_VALUE),
        false));
    VerifierSettings v = VerifierSettings.DEFAULTS;
    VerifierSettings verifier = reader.build("verifier settings", () -> new VerifierSettings(
        reader.decimal(RATIO, v.ratio()), v.homographyMinMatches(), v.similarityMinMatches(),
        reader.decimal(REPROJECTION_SHARE, v.reprojectionShare()), v.minReprojectionPixels(), v.maxScale(),
        v.maxAnisotropy(), v.maxPerspective(), v.ransacIterations(), v.ransacConfidence()));
    ModelKey model = reader.build("model", () -> modelId == null || modelVersion == null ? null : new ModelKey(modelId, modelVersion));
    Map<String, String> security = KafkaSecurityEnvironment.read(reader.values, reader.problems);
    if (!reader.problems.isEmpty()) {
      throw new InvalidConfigException(reader.problems);
    }
    return new MatcherConfig(bootstrap, registry, registryAuth, applicationId, dataDir, threads, retryBudget, commitInterval, model, dimension,
        backend, milvus, policy, calibration, retrieval, verifier, opsPort, security);
  }

  private static Map<String, String> merged(Map<String, String> environment) {
    Map<String, String> values = new HashMap<>();
    String file = environment.get(CONFIG_FILE);
    if (file != null && !file.isBlank()) {
      Properties properties = new Properties();
      try (var in = Files.newBufferedReader(Path.of(file))) {
        properties.load(in);
      } catch (IOException e) {
        throw new InvalidConfigException(List.of(CONFIG_FILE + "=" + file + " cannot be read: " + e.getMessage()));
      }
      List<String> problems = new ArrayList<>();
      for (String key : properties.stringPropertyNames()) {
        if (ENVIRONMENT_ONLY.contains(key)) {
          problems.add(file + ": " + key + " is a secret; set it in the environment or " + key + "_FILE, never in a config file");
        } else if (!key.startsWith("DOPPEL_")) {
          problems.add(file + ": unknown key " + key + " (keys are the DOPPEL_* variable names)");
        }
        values.put(key, properties.getProperty(key));
      }
      if (!problems.isEmpty()) {
        throw new InvalidConfigException(problems);
      }
    }
    environment.forEach((key, value) -> {
      if (key.startsWith("DOPPEL_")) {
        values.put(key, value);
      }
    });
    return values;
  }

  /** Reads typed values and collects every problem instead of stopping at the first. */
  private static final class Reader {
    final Map<String, String> values;
    final List<String> problems = new ArrayList<>();

    Reader(Map<String, String> values) {
      this.values = values;
    }

    String raw(String key) {
      String value = values.get(key);
      return value == null || value.isBlank() ? null : value.strip();
    }

    String required(String key) {
      String value = raw(key);
      if (value == null) {
        problems.add(key + " is required");
      }
      return value;
    }

    String optional(String key, String fallback) {
      String value = raw(key);
      return value == null ? fallback : value;
    }

    Path path(String key, Path fallback) {
      String value = raw(key);
      return value == null ? fallback : Path.of(value);
    }

    Path existingFile(String key) {
      Path file = path(key, null);
      if (file != null && !Files.isRegularFile(file)) {
        problems.add(key + "=" + file + " is not a readable file");
      }
      return file;
    }

    String secretFile(String key, Path file) {
      try {
        return Files.readString(file).strip();
      } catch (IOException e) {
        problems.add(key + "=" + file + " cannot be read: " + e.getMessage());
        return null;
      }
    }

    int integer(String key, int fallback, int min, int max) {
      return parse(key, fallback, text -> {
        int value = Integer.parseInt(text);
        if (value < min || value > max) {
          throw new IllegalArgumentException("must be in [" + min + ", " + max + "]");
        }
        return value;
      }, "an integer");
    }

    double decimal(String key, double fallback) {
      return parse(key, fallback, Double::parseDouble, "a number");
    }

    Duration duration(String key, Duration fallback) {
      Duration value = parse(key, fallback, Duration::parse, "an ISO-8601 duration such as PT60S");
      if (value != null && (value.isNegative() || value.isZero())) {
        problems.add(key + " must be positive, got " + value);
      }
      return value;
    }

    <E extends Enum<E>> E choice(String key, E fallback, Class<E> type) {
      String text = raw(key);
      if (text == null) {
        return fallback;
      }
      for (E constant : type.getEnumConstants()) {
        if (constant.name().equalsIgnoreCase(text)) {
          return constant;
        }
      }
      problems.add(key + " must be one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT)
          + ", got '" + text + "'");
      return fallback;
    }

    <T> T parse(String key, T fallback, Function<String, T> parser, String expected) {
      String text = raw(key);
      if (text == null) {
        return fallback;
      }
      try {
        return parser.apply(text);
      } catch (NumberFormatException | DateTimeParseException e) {
        problems.add(key + " must be " + expected + ", got '" + text + "'");
      } catch (IllegalArgumentException e) {
        problems.add(key + " must be " + expected + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")") + ", got '" + text + "'");
      }
      return fallback;
    }

    <T> T build(String what, java.util.function.Supplier<T> constructor) {
      try {
        return constructor.get();
      } catch (IllegalArgumentException e) {
        problems.add(what + ": " + e.getMessage());
        return null;
      }
    }
  }
}
