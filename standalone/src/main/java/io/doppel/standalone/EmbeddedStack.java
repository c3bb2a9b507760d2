package io.doppel.standalone;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.descriptor.ModelBundle;
import io.doppel.extractor.pipeline.PipelineFeatureExtractor;
import io.doppel.kafka.EmbeddedKafkaCluster;
import io.doppel.matcher.index.LuceneIndexConfig;
import io.doppel.matcher.index.LuceneVectorIndex;
import io.doppel.matcher.index.MilvusIndexConfig;
import io.doppel.matcher.index.MilvusVectorIndex;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.policy.Policy;
import io.doppel.matcher.retrieval.DualRetrievalMatcher;
import io.doppel.matcher.retrieval.RetrievalSettings;
import io.doppel.matcher.score.Calibration;
import io.doppel.matcher.score.FusedScorer;
import io.doppel.matcher.verify.GeometricVerifier;
import io.doppel.matcher.verify.VerifierSettings;
import io.doppel.schemas.Topics;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.topology.extract.ExtractionTopology;
import io.doppel.topology.match.MatchingTopology;
import io.doppel.topology.ops.Deployment;
import io.doppel.topology.runtime.StreamsRuntime;
import io.doppel.topology.runtime.StreamsRuntimeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Doppel on one machine with no servers: a real KRaft broker from Kafka's artifacts, the in-memory
 * schema registry, the Lucene index (or a Milvus server), and both services' topologies running
 * on their own Kafka Streams runtimes — the same code and the same wire format as production.
 */
public final class EmbeddedStack implements AutoCloseable {

  private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration EXTRACTION_MAX_WAIT = Duration.ofMillis(20);
  private static final int REPLICATION = 1;
  private static final String EMBEDDED_POLICY = "/embedded-policy.yaml";

  private final EmbeddedKafkaCluster kafka;
  private final Topics topics;
  private final PipelineFeatureExtractor extractor;
  private final DualRetrievalMatcher matcher;
  private final VectorIndex index;
  private final Path indexDirectory;
  private final String description;
  private final Deque<AutoCloseable> closeInReverse;

  private EmbeddedStack(EmbeddedKafkaCluster kafka, Topics topics, PipelineFeatureExtractor extractor,
      DualRetrievalMatcher matcher, VectorIndex index, Path indexDirectory, String description,
      Deque<AutoCloseable> closeInReverse) {
    this.kafka = kafka;
    this.topics = topics;
    this.extractor = extractor;
    this.matcher = matcher;
    this.index = index;
    this.indexDirectory = indexDirectory;
    this.description = description;
    this.closeInReverse = closeInReverse;
  }

  public static EmbeddedStack start(StackOptions options) {
    Deque<AutoCloseable> started = new ArrayDeque<>();
    try {
      Path work;
      if (options.workDir() != null) {
        work = Files.createDirectories(options.workDir());
      } else {
        // a directory of its own making is the stack's to remove (the broker's log and the index: hundreds of MB a run)
        Path temporary = Files.createTempDirectory("doppel-stack-");
        started.push(() -> deleteRecursively(temporary));
        work = temporary;
      }
      EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(
          EmbeddedKafkaCluster.Settings.singleNode().withDataDirectory(work.resolve("kafka")));
      started.push(kafka);
      kafka.createTopics(Topics.NAMES, options.partitions(), REPLICATION);
      Topics topics = Topics.using(new InMemorySchemaRegistry());

      ExtractorConfig extractorConfig = extractorConfig(options);
      ModelBundle model = ModelBundle.load(extractorConfig.model().manifest());
      PipelineFeatureExtractor extractor = new PipelineFeatureExtractor(extractorConfig, model);
      started.push(extractor);

      ModelKey modelKey = new ModelKey(model.manifest().id(), model.manifest().version());
      VectorIndex index = options.index().equals(StackOptions.MILVUS)
          ? MilvusVectorIndex.open(MilvusIndexConfig.of(options.milvusUri(), System.getenv("DOPPEL_MILVUS_TOKEN"),
              modelKey, model.dimension(), MilvusIndexConfig.GlobalIndex.AUTOINDEX))
          : LuceneVectorIndex.open(LuceneIndexConfig.of(work.resolve("index"), modelKey));
      started.push(index);
      DualRetrievalMatcher matcher = new DualRetrievalMatcher(modelKey, index,
          new GeometricVerifier(VerifierSettings.DEFAULTS), new FusedScorer(Calibration.bundled()),
          policy(options), retrievalSettings(options), Clock.systemUTC());

      StreamsRuntime extraction = StreamsRuntime.start(
          ExtractionTopology.build(topics, extractor,
              ExtractionTopology.Settings.of(extractorConfig.model().batchSize(), EXTRACTION_MAX_WAIT)),
          StreamsRuntimeConfig.of(kafka.bootstrapServers(), Deployment.EXTRACTOR_APPLICATION_ID,
              Files.createDirectories(work.resolve("state/extractor"))));
      started.push(extraction);
      StreamsRuntime matching = StreamsRuntime.start(
          MatchingTopology.build(topics, matcher, MatchingTopology.Settings.DEFAULTS),
          StreamsRuntimeConfig.of(kafka.bootstrapServers(), Deployment.MATCHER_APPLICATION_ID,
              Files.createDirectories(work.resolve("state/matcher"))).withStreamThreads(options.partitions()));
      started.push(matching);
      extraction.awaitRunning(START_TIMEOUT);
      matching.awaitRunning(START_TIMEOUT);

      String description = String.format("broker %s, model %s/%s on %s, index %s, work dir %s",
          kafka.bootstrapServers(), modelKey.modelId(), modelKey.modelVersion(), extractor.device(),
          options.index(), work);
      return new EmbeddedStack(kafka, topics, extractor, matcher, index, work.resolve("index"), description, started);
    } catch (IOException e) {
      closeAll(started);
      throw new UncheckedIOException("cannot prepare the embedded stack's work directory", e);
    } catch (RuntimeException e) {
      closeAll(started);
      throw e;
    }
  }

  private static ExtractorConfig extractorConfig(StackOptions options) {
    Map<String, String> settings = new HashMap<>(options.extractorSettings());
    settings.merge("fetch.file-roots",
        options.fileRoots().stream().map(p -> p.toAbsolutePath().normalize().toString()).collect(Collectors.joining(",")),
        (given, roots) -> given + "," + roots);
    return ExtractorConfig.of(settings);
  }

  private static Policy policy(StackOptions options) {
    if (options.policyFile() != null) {
      return Policy.load(options.policyFile());
    }
    try (var in = EmbeddedStack.class.getResourceAsStream(EMBEDDED_POLICY)) {
      return Policy.parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), "classpath:" + EMBEDDED_POLICY);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the embedded policy " + EMBEDDED_POLICY, e);
    }
  }

  private static RetrievalSettings retrievalSettings(StackOptions options) {
    return options.globalOnly() ? RetrievalSettings.DEFAULTS.asGlobalOnly() : RetrievalSettings.DEFAULTS;
  }

  public String bootstrapServers() {
    return kafka.bootstrapServers();
  }

  public Topics topics() {
    return topics;
  }

  public String device() {
    return extractor.device();
  }

  /** Where the embedded (Lucene) index keeps its files. */
  public Path indexDirectory() {
    return indexDirectory;
  }

  /**
   * Bytes of the embedded index once everything written so far is committed to its segments (the write-ahead log
   * emptied, merged-away files deleted); -1 for Milvus.
   */
  public long committedIndexBytes() {
    if (!(index instanceof LuceneVectorIndex lucene)) {
      return -1;
    }
    lucene.commitSegments();
    return lucene.sizeOnDiskBytes();
  }

  public String describe() {
    return description;
  }

  @Override
  public void close() {
    closeAll(closeInReverse);
  }

  private static void deleteRecursively(Path directory) throws IOException {
    try (var paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        System.err.println("doppel: error while stopping: " + e);
      }
    }
  }
}
