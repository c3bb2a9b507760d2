package io.doppel.matcher;

import io.doppel.matcher.index.IndexConfig;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.milvus.MilvusIndexConfig;
import io.doppel.matcher.index.milvus.MilvusIndexConfig.GlobalIndex;
import io.doppel.matcher.index.milvus.MilvusIndexConfig.LocalIndex;
import io.doppel.matcher.retrieval.RetrievalSettings;
import io.doppel.matcher.verify.VerifierSettings;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.topology.config.ConfigReader;
import io.doppel.topology.config.KafkaConnection;
import io.doppel.topology.config.SchemaRegistryConnection;
import io.doppel.topology.ops.Deployment;
import io.doppel.topology.runtime.StreamsRuntime;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The matcher's configuration, read by {@link ConfigReader}: the service's connections and stream settings, the index
 * it opens ({@link #readIndex}) and how it matches ({@link #readMatching}). The re-index job and the embedded stack read
 * those two parts alone. Every setting is listed in docs/configuration.md.
 *
 * @param schemaRegistry null when {@code schema-registry.url} is unset: the service needs it, tools that read no
 *     topic do not
 */
public record MatcherConfig(
    KafkaConnection kafka,
    HttpSchemaRegistry.Settings schemaRegistry,
    Streams streams,
    IndexConfig index,
    Matching matching,
    int opsPort) {

  /** The program name of the matcher's settings: {@code matcher.*}, {@code DOPPEL_MATCHER_*}. */
  public static final String PROGRAM = "matcher";

  public static final String CALIBRATION_FILE = "matcher.calibration-file";
  private static final String INDEX_SUBDIRECTORY = "index";
  private static final int MAX_PORT = 65_535;

  /**
   * How the service runs its stream threads.
   *
   * @param retryBudget how long one record waits for an unavailable index before its thread gives it back
   */
  public record Streams(
      String applicationId,
      Path dataDirectory,
      int threads,
      Duration retryBudget,
      Duration commitInterval) {}

  /**
   * How candidates are found, verified, scored and decided.
   *
   * @param policyFile the tenant policy; null for the bundled one
   * @param calibrationFile the score calibration; null for the bundled one
   */
  public record Matching(
      Path policyFile,
      Path calibrationFile,
      RetrievalSettings retrieval,
      VerifierSettings verifier) {}

  /** The service's configuration from {@code environment} (and the file it names); every problem reported at once. */
  public static MatcherConfig from(Map<String, String> environment) {
    return ConfigReader.readProgram(PROGRAM, environment, MatcherConfig::read);
  }

  /** Every setting of the service from {@code reader}; problems are left in the reader for its {@code finish}. */
  public static MatcherConfig read(ConfigReader reader) {
    KafkaConnection kafka = KafkaConnection.read(reader);
    HttpSchemaRegistry.Settings registry = SchemaRegistryConnection.readOptional(reader);
    int opsPort = reader.integer("ops.port", Deployment.OPS_PORT, 0, MAX_PORT);
    ConfigReader r = reader.section(PROGRAM);
    Streams streams = new Streams(
        r.string("application-id", Deployment.MATCHER_APPLICATION_ID),
        r.path("data-dir", Path.of("data/matcher")),
        r.integer("stream-threads", 1, 1, 1024),
        r.duration("retry-budget", Duration.ofSeconds(60)),
        r.millis(
            "commit-interval-ms",
            StreamsRuntime.DEFAULT_COMMIT_INTERVAL,
            Duration.ofMillis(1),
            Duration.ofMinutes(1)));
    IndexConfig index = readIndex(reader, null);
    Matching matching = readMatching(reader);
    return new MatcherConfig(kafka, registry, streams, index, matching, opsPort);
  }

  public static MatcherConfig fromEnvironment() {
    return from(System.getenv());
  }

  /**
   * The index to open: {@code matcher.index} (lucene or milvus), the global model ({@code model.id}, {@code
   * model.version}, {@code model.dimension}), the Lucene root ({@code matcher.data-dir}/index) and the Milvus
   * connection ({@code milvus.uri}, the secret {@code milvus.token}, {@code milvus.global-index}, {@code
   * milvus.local-index}, {@code milvus.local-nlist}, {@code milvus.local-nprobe}).
   *
   * @param luceneRoot where a Lucene index lives; null for the service's own, under {@code matcher.data-dir}
   */
  public static IndexConfig readIndex(ConfigReader reader, Path luceneRoot) {
    ConfigReader r = reader.section(PROGRAM);
    IndexConfig.Backend backend =
        r.choice("index", IndexConfig.Backend.LUCENE, IndexConfig.Backend.class);
    Path root = luceneRoot != null
        ? luceneRoot
        : r.path("data-dir", Path.of("data/matcher")).resolve(INDEX_SUBDIRECTORY);
    String modelId = reader.required("model.id");
    String modelVersion = reader.required("model.version");
    int dimension = reader.requiredInteger("model.dimension", 1, Integer.MAX_VALUE);
    IndexConfig.Milvus milvus = backend != IndexConfig.Backend.MILVUS ? null : readMilvus(reader);
    ModelKey model = modelId == null || modelVersion == null
        ? null
        : reader.build("model", () -> new ModelKey(modelId, modelVersion));
    return model == null
        ? null
        : reader.build(
            reader.describe(r.name("index")),
            () -> new IndexConfig(backend, model, dimension, root, milvus));
  }

  private static IndexConfig.Milvus readMilvus(ConfigReader reader) {
    String uri = reader.required("milvus.uri");
    String token = reader.secret("milvus.token");
    GlobalIndex global = reader.choice("milvus.global-index", GlobalIndex.HNSW, GlobalIndex.class);
    LocalIndex local = reader.choice("milvus.local-index", LocalIndex.BIN_FLAT, LocalIndex.class);
    int nlist = reader.integer(
        "milvus.local-nlist",
        MilvusIndexConfig.DEFAULT_LOCAL_NLIST,
        1,
        MilvusIndexConfig.MAX_LOCAL_NLIST);
    int nprobe = reader.integer(
        "milvus.local-nprobe",
        MilvusIndexConfig.DEFAULT_LOCAL_NPROBE,
        1,
        MilvusIndexConfig.MAX_LOCAL_NLIST);
    return reader.build(
        "milvus", () -> new IndexConfig.Milvus(uri, token, global, local, nlist, nprobe));
  }

  /** Policy, calibration, retrieval and verifier settings: {@code matcher.policy-file}, {@code matcher.global-top-k}... */
  public static Matching readMatching(ConfigReader reader) {
    ConfigReader r = reader.section(PROGRAM);
    Path policy = r.existingFile("policy-file");
    Path calibration = r.existingFile("calibration-file");
    RetrievalSettings d = RetrievalSettings.DEFAULTS;
    int globalTopK = r.integer("global-top-k", d.globalTopK(), 1, Integer.MAX_VALUE);
    int localDescriptors =
        r.integer("local-descriptors", d.localDescriptors(), 1, Integer.MAX_VALUE);
    int denseLocalDescriptors =
        r.integer("dense-local-descriptors", d.denseLocalDescriptors(), 1, Integer.MAX_VALUE);
    int localNeighbours = r.integer("local-neighbours", d.localNeighbours(), 1, Integer.MAX_VALUE);
    int localMaxHamming = r.integer("local-max-hamming", d.localMaxHamming(), 0, Integer.MAX_VALUE);
    int localMaxImages = r.integer("local-max-images", d.localMaxImages(), 1, Integer.MAX_VALUE);
    int candidateCap = r.integer("candidate-cap", d.candidateCap(), 1, Integer.MAX_VALUE);
    int perViewCandidates =
        r.integer("per-view-candidates", d.perViewCandidates(), 0, Integer.MAX_VALUE);
    int firstPassCap = r.integer("first-pass-cap", d.firstPassCap(), 1, Integer.MAX_VALUE);
    int confidentInliers =
        r.integer("confident-inliers", d.confidentInliers(), 0, Integer.MAX_VALUE);
    RetrievalSettings retrieval = reader.build(
        "retrieval settings",
        () -> new RetrievalSettings(
            globalTopK,
            localDescriptors,
            denseLocalDescriptors,
            localNeighbours,
            localMaxHamming,
            localMaxImages,
            candidateCap,
            perViewCandidates,
            firstPassCap,
            confidentInliers,
            false));
    VerifierSettings v = VerifierSettings.DEFAULTS;
    double ratio = r.decimal("ratio-test", v.ratio(), 0, 1);
    double reprojectionShare = r.decimal("reprojection-share", v.reprojectionShare(), 0, 0.5);
    VerifierSettings verifier = reader.build(
        "verifier settings",
        () -> new VerifierSettings(
            ratio,
            v.homographyMinMatches(),
            v.similarityMinMatches(),
            reprojectionShare,
            v.minReprojectionPixels(),
            v.maxScale(),
            v.maxAnisotropy(),
            v.maxPerspective(),
            v.ransacIterations(),
            v.ransacConfidence()));
    return new Matching(policy, calibration, retrieval, verifier);
  }

  /** The global-descriptor model of the index. */
  public ModelKey model() {
    return index.model();
  }
}
