package io.doppel.standalone;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.descriptor.ModelBundle;
import io.doppel.extractor.pipeline.PipelineFeatureExtractor;
import io.doppel.kafka.EmbeddedKafkaCluster;
import io.doppel.matcher.MatcherConfig;
import io.doppel.matcher.MatcherService;
import io.doppel.matcher.index.IndexConfig;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.index.VectorIndexes;
import io.doppel.matcher.index.milvus.MilvusVectorIndex;
import io.doppel.matcher.policy.Policy;
import io.doppel.matcher.retrieval.DualRetrievalMatcher;
import io.doppel.schemas.Topics;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.schemas.registry.SchemaRegistry;
import io.doppel.topology.config.ConfigReader;
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

/**
 * Doppel on one machine with no servers: a real KRaft broker from Kafka's artifacts, the in-memory
 * schema registry (or a given one, such as a real registry over HTTP), the Lucene index (or a Milvus server), and
 * both services' topologies running on their own Kafka Streams runtimes — the same code and the same wire format as
 * production.
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

  private EmbeddedStack(
      EmbeddedKafkaCluster kafka,
      Topics topics,
      PipelineFeatureExtractor extractor,
      DualRetrievalMatcher matcher,
      VectorIndex index,
      Path indexDirectory,
      String description,
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

  /** The stack with its own in-memory schema registry. */
  public static EmbeddedStack start(StackOptions options) {
    return start(options, new InMemorySchemaRegistry());
  }

  /**
   * The stack with {@code registry} for every topic's serdes, e.g. an {@code HttpSchemaRegistry} that clients outside
   * the JVM share (the caller closes it, after the stack).
   */
  public static EmbeddedStack start(StackOptions options, SchemaRegistry registry) {
    Deque<AutoCloseable> started = new ArrayDeque<>();
    try {
      Path work;
      if (options.workDir() != null) {
        work = Files.createDirectories(options.workDir());
      } else {
        // a directory of its own making is the stack's to remove (the broker's log and the index:
        // hundreds of MB a run)
        Path temporary = Files.createTempDirectory("doppel-stack-");
        started.push(() -> deleteRecursively(temporary));
        work = temporary;
      }
      EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(
          EmbeddedKafkaCluster.Settings.singleNode().withDataDirectory(work.resolve("kafka")));
      started.push(kafka);
      kafka.createTopics(Topics.NAMES, options.partitions(), REPLICATION);
      Topics topics = Topics.using(registry);

      Map<String, String> environment = System.getenv();
      ExtractorConfig extractorConfig = ExtractorConfig.fromEnvironment(
              environment, options.extractorSettings())
          .withFileRoots(options.fileRoots());
      ModelBundle model = ModelBundle.load(extractorConfig.model().manifest());
      PipelineFeatureExtractor extractor = new PipelineFeatureExtractor(extractorConfig, model);
      started.push(extractor);

      ModelKey modelKey = new ModelKey(model.manifest().id(), model.manifest().version());
      ConfigReader reader = ConfigReader.of(
          MatcherConfig.PROGRAM, environment, matcherOverrides(options, modelKey, model));
      IndexConfig indexConfig = MatcherConfig.readIndex(reader, work.resolve("index"));
      MatcherConfig.Matching matching = MatcherConfig.readMatching(reader);
      reader.finish();
      if (options.globalOnly()) {
        matching = new MatcherConfig.Matching(
            matching.policyFile(),
            matching.calibrationFile(),
            matching.retrieval().asGlobalOnly(),
            matching.verifier());
      }
      VectorIndex index = VectorIndexes.open(indexConfig);
      started.push(index);
      Policy policy =
          matching.policyFile() != null ? Policy.load(matching.policyFile()) : embeddedPolicy();
      DualRetrievalMatcher matcher =
          MatcherService.matcher(modelKey, matching, policy, index, Clock.systemUTC());

      StreamsRuntime extraction = StreamsRuntime.start(
          ExtractionTopology.build(
              topics,
              extractor,
              ExtractionTopology.Settings.of(
                  extractorConfig.model().batchSize(), EXTRACTION_MAX_WAIT)),
          StreamsRuntimeConfig.of(
              kafka.bootstrapServers(),
              Deployment.EXTRACTOR_APPLICATION_ID,
              Files.createDirectories(work.resolve("state/extractor"))));
      started.push(extraction);
      StreamsRuntime matchingRuntime = StreamsRuntime.start(
          MatchingTopology.build(topics, matcher, MatchingTopology.Settings.DEFAULTS),
          StreamsRuntimeConfig.of(
                  kafka.bootstrapServers(),
                  Deployment.MATCHER_APPLICATION_ID,
                  Files.createDirectories(work.resolve("state/matcher")))
              .withStreamThreads(options.partitions()));
      started.push(matchingRuntime);
      extraction.awaitRunning(START_TIMEOUT);
      matchingRuntime.awaitRunning(START_TIMEOUT);

      String description = String.format(
          "broker %s, model %s/%s on %s, index %s, work dir %s",
          kafka.bootstrapServers(),
          modelKey.modelId(),
          modelKey.modelVersion(),
          extractor.device(),
          options.index(),
          work);
      return new EmbeddedStack(
          kafka, topics, extractor, matcher, index, work.resolve("index"), description, started);
    } catch (IOException e) {
      closeAll(started);
      throw new UncheckedIOException("cannot prepare the embedded stack's work directory", e);
    } catch (RuntimeException e) {
      closeAll(started);
      throw e;
    }
  }

  /**
   * The matcher settings this stack sets over the environment's: the model of the extractor, the index chosen on the
   * command line and, for Milvus, AUTOINDEX for the global vectors (whatever index the server supports).
   */
  private static Map<String, String> matcherOverrides(
      StackOptions options, ModelKey model, ModelBundle bundle) {
    Map<String, String> overrides = new HashMap<>();
    overrides.put("model.id", model.modelId());
    overrides.put("model.version", model.modelVersion());
    overrides.put("model.dimension", String.valueOf(bundle.dimension()));
    overrides.put("matcher.index", options.index());
    if (options.index().equals(StackOptions.MILVUS)) {
      overrides.put("milvus.uri", options.milvusUri());
      overrides.put("milvus.global-index", "autoindex");
    }
    if (options.policyFile() != null) {
      overrides.put("matcher.policy-file", options.policyFile().toString());
    }
    if (options.calibrationFile() != null) {
      overrides.put(MatcherConfig.CALIBRATION_FILE, options.calibrationFile().toString());
    }
    return overrides;
  }

  /** The policy of the embedded stack when no --policy names another file (tenants eval and bench). */
  public static Policy embeddedPolicy() {
    try (var in = EmbeddedStack.class.getResourceAsStream(EMBEDDED_POLICY)) {
      return Policy.parse(
          new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8),
          "classpath:" + EMBEDDED_POLICY);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the embedded policy " + EMBEDDED_POLICY, e);
    }
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
    return index.committedBytesOnDisk().orElse(-1);
  }

  public String describe() {
    return description;
  }

  /**
   * On Milvus, seals what has been written and waits until its indexes cover every row, as a large index is at steady
   * state (Milvus searches rows not yet in a built index by brute force, whatever index type is configured); on
   * Lucene, nothing to do. Returns whether the indexes caught up within {@code timeout}.
   */
  public boolean sealIndex(Duration timeout) {
    return !(index instanceof MilvusVectorIndex milvus) || milvus.sealAndAwaitIndexes(timeout);
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
