package io.doppel.standalone.reindex;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.descriptor.ModelBundle;
import io.doppel.extractor.pipeline.PipelineFeatureExtractor;
import io.doppel.matcher.MatcherConfig;
import io.doppel.matcher.index.IndexConfig;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.index.VectorIndexes;
import io.doppel.matcher.policy.Policy;
import io.doppel.matcher.reindex.FolderSource;
import io.doppel.matcher.reindex.ManifestSource;
import io.doppel.matcher.reindex.ReindexJob;
import io.doppel.matcher.reindex.ReindexReport;
import io.doppel.matcher.reindex.ReindexSource;
import io.doppel.matcher.reindex.UploadsTopicSource;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.standalone.EmbeddedStack;
import io.doppel.standalone.cli.Args;
import io.doppel.standalone.cli.Progress;
import io.doppel.standalone.cli.UsageException;
import io.doppel.topology.config.ConfigReader;
import io.doppel.topology.config.KafkaConnection;
import io.doppel.topology.config.SchemaRegistryConnection;
import io.doppel.topology.ops.DoppelMeters;
import io.doppel.topology.ops.OpsMetrics;
import io.doppel.topology.ops.OpsServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * {@code doppel reindex}: backfills the index of a NEW model version from the originals, before
 * traffic switches to that model (docs/runbook.md, "Re-indexing on a model upgrade"). The new
 * model's index has its own name (Lucene folder, Milvus collections), so the old one is never
 * touched. Settings come from the command line, else from the services' environment, read as the services read it
 * ({@link MatcherConfig#readIndex}, {@link ExtractorConfig}, {@link KafkaConnection}, {@link SchemaRegistryConnection}),
 * as in the Kubernetes Job.
 */
public final class ReindexCommand {

  /** What {@code ./doppel eval} registers references as, so a re-indexed eval folder lines up with it. */
  static final String DEFAULT_TENANT = "eval";

  static final String DEFAULT_RIGHTS_HOLDER = "eval-rights-holder";
  static final String STOP_AT_END_OFFSETS_AT_START = "end-offsets-at-start";

  public static final String USAGE = """
      doppel reindex (--refs DIR | --manifest FILE | --source-topic TOPIC) [options]
        --refs DIR            the image files of one folder; id = file name without extension
          --tenant T          their tenant (default eval, as ./doppel eval)
          --purpose P         reference (default) or upload
          --rights-holder R   for references (default eval-rights-holder); --reference-set S (default R)
        --manifest FILE       CSV tenant,image_id,purpose,source[,rights_holder,reference_set,uploaded_at];
                              source: an http(s) URL or a file path relative to the manifest
        --source-topic TOPIC  the compacted uploads topic (DOPPEL_KAFKA_*, DOPPEL_SCHEMA_REGISTRY_URL[_AUTH])
          --consumer-group G  default doppel-reindex-<model id>-<model version>; resumes from its offsets
          --stop-at end-offsets-at-start   the only mode: stop at the end offsets seen at start
        --model MANIFEST      the NEW model's manifest.json (default: the extractor's configured model)
        --extractor-config F  extractor settings file (default $DOPPEL_EXTRACTOR_CONFIG_FILE)
        --policy FILE         the matcher's tenant policy (default $DOPPEL_MATCHER_POLICY_FILE, else the embedded
                              policy of ./doppel eval); references it would refuse to register are refused
        --index lucene|milvus target backend (default $DOPPEL_MATCHER_INDEX, else lucene)
        --index-dir DIR       Lucene root (default $DOPPEL_MATCHER_DATA_DIR/index, else data/matcher/index)
        --milvus-uri URI      default $DOPPEL_MILVUS_URI; token $DOPPEL_MILVUS_TOKEN or $DOPPEL_MILVUS_TOKEN_FILE
        --batch N             images per model call and per durable commit (default 16)
        --force               extract again images the new index already holds (default: skip them)
        --ops-port N          serve /health/live and /metrics (doppel_images_total{outcome}) there, for a Job
      """;

  private ReindexCommand() {}

  public static int run(Args args) throws Exception {
    return run(args, System.getenv());
  }

  static int run(Args args, Map<String, String> env) throws Exception {
    String refs = args.string("refs", null);
    String manifest = args.string("manifest", null);
    String sourceTopic = args.string("source-topic", null);
    long sources = java.util.stream.Stream.of(refs, manifest, sourceTopic)
        .filter(s -> s != null)
        .count();
    if (sources != 1) {
      throw new UsageException(
          "give exactly one of --refs DIR, --manifest FILE, --source-topic TOPIC");
    }
    String stopAt = args.string("stop-at", STOP_AT_END_OFFSETS_AT_START);
    if (!stopAt.equals(STOP_AT_END_OFFSETS_AT_START)) {
      throw new UsageException(
          "--stop-at supports only " + STOP_AT_END_OFFSETS_AT_START + ", got '" + stopAt + "'");
    }
    int batch = args.integer("batch", ReindexJob.Settings.DEFAULT_BATCH_SIZE, 1);
    boolean force = args.flag("force");
    String opsPort = args.string("ops-port", null);

    Map<String, String> extractorOverrides = new HashMap<>();
    String model = args.string("model", null);
    if (model != null) {
      extractorOverrides.put("model.manifest", Path.of(model).toAbsolutePath().toString());
    }
    String extractorConfigFile = args.string("extractor-config", null);
    if (extractorConfigFile != null) {
      extractorOverrides.put(ConfigReader.CONFIG_FILE, extractorConfigFile);
    }

    FolderSource.Owner owner = null;
    if (refs != null) {
      Purpose purpose = purpose(args.string("purpose", "reference"));
      String rightsHolder =
          args.string("rights-holder", purpose == Purpose.REFERENCE ? DEFAULT_RIGHTS_HOLDER : null);
      try {
        owner = new FolderSource.Owner(
            args.string("tenant", DEFAULT_TENANT),
            purpose,
            rightsHolder,
            args.string("reference-set", rightsHolder));
      } catch (IllegalArgumentException e) {
        throw new UsageException("--refs: " + e.getMessage());
      }
    }
    String consumerGroup = args.string("consumer-group", null);
    Map<String, String> matcherOverrides = new HashMap<>();
    putIfSet(matcherOverrides, "matcher.index", args.string("index", null));
    putIfSet(matcherOverrides, "milvus.uri", args.string("milvus-uri", null));
    putIfSet(matcherOverrides, "matcher.policy-file", args.string("policy", null));
    String indexDir = args.string("index-dir", null);
    args.rejectUnknown();

    ManifestSource manifestSource = manifest == null ? null : new ManifestSource(Path.of(manifest));
    List<Path> fileRoots = new ArrayList<>();
    if (refs != null) {
      Path folder = Path.of(refs);
      if (!Files.isDirectory(folder)) {
        throw new UsageException("--refs " + refs + " is not a directory");
      }
      fileRoots.add(folder);
    }
    if (manifestSource != null) {
      fileRoots.addAll(manifestSource.localFolders());
    }
    ExtractorConfig extractorConfig =
        ExtractorConfig.fromEnvironment(env, extractorOverrides).withFileRoots(fileRoots);
    ModelBundle bundle = ModelBundle.load(extractorConfig.model().manifest());
    ModelKey target = new ModelKey(bundle.manifest().id(), bundle.manifest().version());

    // the matcher's own settings, for the NEW model: its index must never receive another model's
    // vectors
    matcherOverrides.put("model.id", target.modelId());
    matcherOverrides.put("model.version", target.modelVersion());
    matcherOverrides.put("model.dimension", String.valueOf(bundle.dimension()));
    ConfigReader reader = ConfigReader.of(MatcherConfig.PROGRAM, env, matcherOverrides);
    IndexConfig indexConfig =
        MatcherConfig.readIndex(reader, indexDir == null ? null : Path.of(indexDir));
    // the policy the matcher reads (matcher.policy-file); without one, the embedded policy that
    // the stack of ./doppel eval and run registers references under
    Path policyFile = reader.section(MatcherConfig.PROGRAM).existingFile("policy-file");
    KafkaConnection kafka = sourceTopic == null ? null : KafkaConnection.read(reader);
    HttpSchemaRegistry.Settings registry =
        sourceTopic == null ? null : SchemaRegistryConnection.read(reader);
    reader.finish();
    Policy policy = policyFile != null ? Policy.load(policyFile) : EmbeddedStack.embeddedPolicy();

    try (Ops ops = Ops.start(opsPort);
        PipelineFeatureExtractor extractor = new PipelineFeatureExtractor(extractorConfig, bundle);
        VectorIndex index = VectorIndexes.open(indexConfig);
        ReindexSource source = refs != null
            ? new FolderSource(Path.of(refs), owner)
            : manifestSource != null
                ? manifestSource
                : topicSource(
                    sourceTopic,
                    consumerGroup == null ? defaultGroup(target) : consumerGroup,
                    batch,
                    kafka,
                    registry)) {
      System.err.printf(
          "doppel reindex: %s → model %s/%s (%d dimensions, %s), index %s, policy %s%n",
          source.describe(),
          target.modelId(),
          target.modelVersion(),
          bundle.dimension(),
          extractor.device(),
          indexConfig.describe(),
          policy.version());
      Progress progress = new Progress("reindex", source.size());
      ReindexReport report = new ReindexJob(
              extractor,
              index,
              target,
              policy,
              new ReindexJob.Settings(batch, !force && sourceTopic == null))
          .run(source, p -> {
            progress.update(p.done());
            ops.record(p.soFar());
          });
      System.out.println("doppel reindex: " + report.summary());
      report.failures().forEach(line -> System.err.println("  failed: " + line));
      return 0;
    }
  }

  private static void putIfSet(Map<String, String> overrides, String setting, String value) {
    if (value != null) {
      overrides.put(setting, value);
    }
  }

  /**
   * The optional ops endpoints of a run: live while the process runs (a Job's liveness probe),
   * and its counts as {@code doppel_images_total{application="doppel-reindex", outcome}}.
   */
  private static final class Ops implements AutoCloseable {
    static final String APPLICATION = "doppel-reindex";
    private final OpsMetrics metrics;
    private final OpsServer server;
    private ReindexReport recorded = new ReindexReport(0, 0, 0, 0, 0, List.of());

    private Ops(OpsMetrics metrics, OpsServer server) {
      this.metrics = metrics;
      this.server = server;
    }

    static Ops start(String port) {
      if (port == null) {
        return new Ops(null, null);
      }
      int number;
      try {
        number = Integer.parseInt(port);
      } catch (NumberFormatException e) {
        throw new UsageException("--ops-port must be a port number, got '" + port + "'");
      }
      OpsMetrics metrics = OpsMetrics.forApplication(APPLICATION);
      try {
        return new Ops(
            metrics,
            OpsServer.start(
                new OpsServer.Settings(
                    OpsServer.Settings.ALL_INTERFACES,
                    number,
                    OpsServer.Settings.DEFAULT_STOP_GRACE),
                metrics.registry()));
      } catch (RuntimeException e) {
        metrics.close();
        throw e;
      }
    }

    void record(ReindexReport now) {
      if (metrics == null) {
        return;
      }
      DoppelMeters meters = metrics.meters();
      meters.images("indexed").increment(now.indexed() - recorded.indexed());
      meters.images("already_indexed").increment(now.alreadyIndexed() - recorded.alreadyIndexed());
      meters.images("deleted").increment(now.deleted() - recorded.deleted());
      meters.images("failed").increment(now.failed() - recorded.failed());
      recorded = now;
    }

    @Override
    public void close() {
      if (server != null) {
        server.close();
        metrics.close();
      }
    }
  }

  static String defaultGroup(ModelKey model) {
    return "doppel-reindex-" + model.modelId() + "-" + model.modelVersion();
  }

  private static Purpose purpose(String text) {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "reference" -> Purpose.REFERENCE;
      case "upload" -> Purpose.UPLOAD;
      default ->
        throw new UsageException("--purpose must be reference or upload, got '" + text + "'");
    };
  }

  private static ReindexSource topicSource(
      String topic,
      String group,
      int batch,
      KafkaConnection kafka,
      HttpSchemaRegistry.Settings registrySettings) {
    if (!topic.equals(Topics.UPLOADS)) {
      throw new UsageException(
          "--source-topic reads the uploads topic " + Topics.UPLOADS + ", got '" + topic + "'");
    }
    Properties clientSettings = new Properties();
    clientSettings.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    clientSettings.putAll(kafka.security());
    HttpSchemaRegistry registry = new HttpSchemaRegistry(registrySettings);
    UploadsTopicSource source =
        new UploadsTopicSource(clientSettings, Topics.using(registry).uploads(), group, batch);
    return new ReindexSource() {
      @Override
      public java.util.List<io.doppel.matcher.reindex.ReindexItem> next(int max) {
        return source.next(max);
      }

      @Override
      public void acknowledge() {
        source.acknowledge();
      }

      @Override
      public long size() {
        return source.size();
      }

      @Override
      public String describe() {
        return source.describe();
      }

      @Override
      public void close() {
        try {
          source.close();
        } finally {
          registry.close();
        }
      }
    };
  }
}
