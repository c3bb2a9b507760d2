package io.doppel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.kafka.EmbeddedKafkaCluster;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.topology.extract.ExtractionTopology;
import io.doppel.topology.match.MatchingTopology;
import io.doppel.topology.runtime.StreamsRuntime;
import io.doppel.topology.runtime.StreamsRuntimeConfig;
import io.doppel.topology.testing.EmbeddedKafkaExtension;
import io.doppel.topology.testing.MatcherProcess;
import io.doppel.topology.testing.Samples;
import io.doppel.topology.testing.ScriptedExtractor;
import io.doppel.topology.testing.ScriptedMatcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every upload has exactly one outcome under faults. A real three-node KRaft cluster
 * (topics with replication 3, {@code min.insync.replicas} 2), two instances each of the extraction
 * and the matching topology (scripted ports, real serdes, {@code exactly_once_v2}; one matcher in a
 * child JVM, see {@link MatcherProcess}), and uploads sent
 * at a steady rate while, one after the other:
 *
 * <ol>
 *   <li>a broker is killed (SIGKILL) and started again;
 *   <li>the extractor port fails a whole batch, which kills that stream thread mid-batch (replaced);
 *   <li>the index (the matcher port's dependency) goes down; the matcher instance that runs in a
 *       child JVM is killed with SIGKILL while it is retrying (no LeaveGroup, its transaction left
 *       open), so the other takes its partitions; the index comes back.
 * </ol>
 *
 * Then a {@code read_committed} consumer checks that each upload id has exactly one terminal record
 * on duplicates, violations, outcomes or dead-letters, with the expected decision or reason, and
 * that no verdict was committed while the index was down.
 */
class FaultInjectionEndToEndIT {

  private static final int NODES = 3;
  private static final int REPLICATION = 3;
  private static final int PARTITIONS = 4;

  @RegisterExtension
  static final EmbeddedKafkaExtension KAFKA =
      new EmbeddedKafkaExtension(EmbeddedKafkaCluster.Settings.nodes(NODES));

  private static final int UPLOADS = 400;
  /** Uploads sent while each fault strikes; the rest follow the recovery. */
  private static final int PHASE = 100;

  private static final Duration SEND_INTERVAL = Duration.ofMillis(20);
  private static final int CORRUPT_EVERY = 17;
  private static final int POISON_EVERY = 53;
  private static final int VICTIM_BROKER = 1;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration FAULT_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration OUTAGE = Duration.ofSeconds(6);
  /** Lets transactions that were open when the index went down end before counting verdicts. */
  private static final Duration SETTLE = Duration.ofSeconds(2);

  private static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration POLL = Duration.ofMillis(100);
  /** The broker's smallest allowed session timeout: a closed or dead member's tasks move on quickly. */
  private static final String SESSION_TIMEOUT_MS = "6000";

  private static final MatchingTopology.Settings SHORT_RETRY = new MatchingTopology.Settings(
      Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofSeconds(2));
  private static final List<String> TERMINAL_TOPICS =
      List.of(Topics.DUPLICATES, Topics.VIOLATIONS, Topics.OUTCOMES, Topics.DEAD_LETTERS);
  private static final List<String> VERDICT_TOPICS =
      List.of(Topics.DUPLICATES, Topics.VIOLATIONS, Topics.OUTCOMES);

  /** Ids registered in a fixed order: the child JVM's registry must agree with this one. */
  private final Topics topics =
      Topics.using(MatcherProcess.registerSchemas(new InMemorySchemaRegistry()));

  record Terminal(String topic, String imageId, String what) {}

  @Test
  void everyUploadEndsAsExactlyOneCommittedRecordThroughBrokerStreamsAndIndexFaults(
      @TempDir Path state) throws Exception {
    KAFKA.cluster().createTopics(Topics.NAMES, PARTITIONS, REPLICATION);
    ScriptedExtractor extractorPort = new ScriptedExtractor();
    ScriptedMatcher matcherPort = new ScriptedMatcher();
    var extraction = ExtractionTopology.build(
        topics, extractorPort, ExtractionTopology.Settings.of(8, Duration.ofMillis(100)));
    Path indexDown = state.resolve("index-down");
    var matching = MatchingTopology.build(
        topics, MatcherProcess.withIndexFlag(matcherPort, indexDown), SHORT_RETRY);
    Map<String, String> expected = expectedOutcomes();
    long start = System.nanoTime();

    try (var extractor1 =
            StreamsRuntime.start(extraction, config("doppel-extractor-faults", state, 1));
        var extractor2 =
            StreamsRuntime.start(extraction, config("doppel-extractor-faults", state, 2));
        var matcher1 = StreamsRuntime.start(matching, config("doppel-matcher-faults", state, 1));
        var matcher2 = MatcherProcess.start(
            config("doppel-matcher-faults", state, 2),
            SHORT_RETRY,
            indexDown,
            state.resolve("matcher-2.log"))) {
      for (var runtime : List.of(extractor1, extractor2, matcher1)) {
        runtime.awaitRunning(START_TIMEOUT);
      }
      // Each fault strikes while a share of the uploads is being sent.
      int acknowledged = sendAsync(0, PHASE / 2).get();
      awaitCommitted(PHASE / 4, "a first share of the uploads");
      KAFKA.cluster().stopNode(VICTIM_BROKER);
      fault(start, "broker " + VICTIM_BROKER + " killed");
      long beforeBrokerDown = count(terminalsCommitted());
      CompletableFuture<Integer> sent = sendAsync(PHASE / 2, PHASE);
      await(
          () -> count(terminalsCommitted()) >= beforeBrokerDown + PHASE / 4,
          "progress with a broker down");
      KAFKA.cluster().startNode(VICTIM_BROKER);
      fault(start, "broker " + VICTIM_BROKER + " restarted");
      acknowledged += sent.get();

      extractorPort.setBroken(true);
      sent = sendAsync(PHASE, 2 * PHASE);
      await(
          () -> extractor1.threadReplacements() + extractor2.threadReplacements() > 0,
          "an extractor stream thread to die mid-batch");
      extractorPort.setBroken(false);
      fault(start, "extractor stream thread killed mid-batch and replaced");
      acknowledged += sent.get();

      Files.createFile(indexDown);
      fault(start, "index down");
      sent = sendAsync(2 * PHASE, 3 * PHASE);
      Thread.sleep(SETTLE.toMillis());
      long verdictsWhenDown = count(verdictsCommitted());
      await(
          () -> matcher1.threadReplacements() > 0,
          "a matcher thread to give its record back after the retry budget");
      matcher2.kill();
      fault(start, "matcher instance 2 (a child JVM) killed with SIGKILL mid-retry");
      Thread.sleep(OUTAGE.toMillis());
      long verdictsAtRecovery = count(verdictsCommitted());
      Set<String> sentWhileDownWithVerdict = verdictIdsCommitted();
      sentWhileDownWithVerdict.retainAll(ids(2 * PHASE, 3 * PHASE));
      Files.delete(indexDown);
      fault(start, "index back");
      acknowledged += sent.get();
      acknowledged += sendAsync(3 * PHASE, UPLOADS).get();
      assertThat(acknowledged).isEqualTo(UPLOADS);

      List<Terminal> terminals = readCommitted(expected.size(), CONSUME_TIMEOUT);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

      Map<String, Integer> perTopic = new TreeMap<>();
      terminals.forEach(t -> perTopic.merge(t.topic() + ":" + t.what(), 1, Integer::sum));
      System.out.printf(
          "faults: %d uploads in, %d committed terminal records out in %s: %s%n",
          expected.size(), terminals.size(), elapsed, perTopic);
      System.out.printf(
          "faults: threads replaced: extractors %d+%d, in-process matcher %d; verdicts made earlier "
              + "that became visible while the index was down: %d%n",
          extractor1.threadReplacements(),
          extractor2.threadReplacements(),
          matcher1.threadReplacements(),
          verdictsAtRecovery - verdictsWhenDown);

      // Counting verdicts is not enough: an open transaction holds back every later commit on its
      // partitions (the last stable offset), so verdicts made before the outage can become visible
      // during it. An upload sent after the index went down, though, can have no verdict until the
      // index is back.
      assertThat(sentWhileDownWithVerdict)
          .as("uploads sent while the index was down that got a verdict before it came back")
          .isEmpty();
      Map<String, String> actual = new HashMap<>();
      List<String> doubled = new ArrayList<>();
      for (Terminal t : terminals) {
        if (actual.put(t.imageId(), t.topic() + ":" + t.what()) != null) {
          doubled.add(t.imageId());
        }
      }
      assertThat(doubled).as("uploads with more than one terminal record").isEmpty();
      assertThat(actual).isEqualTo(expected);
    }
  }

  /** What each upload id must end as; the ids follow {@link ScriptedExtractor}/{@link ScriptedMatcher}'s scripts. */
  private static Map<String, String> expectedOutcomes() {
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < UPLOADS; i++) {
      expected.put(
          imageId(i),
          i % POISON_EVERY == 0
              ? Topics.DEAD_LETTERS + ":MALFORMED_RECORD"
              : i % CORRUPT_EVERY == 0
                  ? Topics.DEAD_LETTERS + ":CORRUPT"
                  : i % 3 == 1
                      ? Topics.DUPLICATES + ":DUPLICATE"
                      : i % 3 == 2
                          ? Topics.VIOLATIONS + ":COPYRIGHT_VIOLATION"
                          : Topics.OUTCOMES + ":CLEAN");
    }
    return expected;
  }

  private static String imageId(int i) {
    String prefix = i % POISON_EVERY == 0
        ? "poison-"
        : i % CORRUPT_EVERY == 0
            ? ScriptedExtractor.CORRUPT_PREFIX
            : i % 3 == 1 ? "dup-" : i % 3 == 2 ? "copy-" : "clean-";
    return prefix + i;
  }

  /** Sends uploads {@code from} (inclusive) to {@code to} at a steady rate; completes with how many were acknowledged. */
  private CompletableFuture<Integer> sendAsync(int from, int to) {
    return CompletableFuture.supplyAsync(() -> send(from, to));
  }

  private int send(int from, int to) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    List<CompletableFuture<Void>> acks = new ArrayList<>();
    try (var producer =
        new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = from; i < to; i++) {
        String id = imageId(i);
        byte[] key =
            topics.uploads().keySerde().serializer().serialize(Topics.UPLOADS, Samples.key(id));
        byte[] value = topics
            .uploads()
            .valueSerde()
            .serializer()
            .serialize(Topics.UPLOADS, Samples.upload(id));
        if (id.startsWith("poison-")) {
          value[0] = 42; // not the Confluent magic byte
        }
        CompletableFuture<Void> ack = new CompletableFuture<>();
        producer.send(new ProducerRecord<>(Topics.UPLOADS, key, value), (metadata, error) -> {
          if (error == null) {
            ack.complete(null);
          } else {
            ack.completeExceptionally(error);
          }
        });
        acks.add(ack);
        Thread.sleep(SEND_INTERVAL.toMillis());
      }
      producer.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return (int) acks.stream().map(CompletableFuture::join).count();
  }

  private StreamsRuntimeConfig config(String applicationId, Path state, int instance) {
    return StreamsRuntimeConfig.of(
            KAFKA.bootstrapServers(), applicationId, state.resolve(applicationId + "-" + instance))
        .withMaxBlocking(SHORT_RETRY.retryBudget())
        .withOverrides(Map.of("consumer.session.timeout.ms", SESSION_TIMEOUT_MS));
  }

  private void awaitCommitted(int records, String what) throws InterruptedException {
    await(() -> count(terminalsCommitted()) >= records, what);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + FAULT_TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for %s", what).isLessThan(deadline);
      Thread.sleep(POLL.toMillis());
    }
  }

  private static void fault(long start, String what) {
    System.out.printf("faults: +%5.1f s %s%n", (System.nanoTime() - start) / 1e9, what);
  }

  private List<TopicPartition> terminalsCommitted() {
    return partitions(TERMINAL_TOPICS);
  }

  /** The upload ids of every committed verdict (read_committed). */
  private Set<String> verdictIdsCommitted() {
    Set<String> ids = new HashSet<>();
    readToEnd(verdictsCommitted(), record -> ids.add(decode(record).imageId()));
    return ids;
  }

  private static Set<String> ids(int from, int to) {
    return IntStream.range(from, to)
        .mapToObj(FaultInjectionEndToEndIT::imageId)
        .collect(Collectors.toSet());
  }

  private List<TopicPartition> verdictsCommitted() {
    return partitions(VERDICT_TOPICS);
  }

  private static List<TopicPartition> partitions(List<String> names) {
    return names.stream()
        .flatMap(
            topic -> IntStream.range(0, PARTITIONS).mapToObj(i -> new TopicPartition(topic, i)))
        .toList();
  }

  /** Committed records on {@code partitions}, read to their end (read_committed). */
  private long count(List<TopicPartition> partitions) {
    long[] records = {0};
    readToEnd(partitions, record -> records[0]++);
    return records[0];
  }

  /** Hands {@code each} committed record on {@code partitions}, from their beginning to their current end. */
  private void readToEnd(
      List<TopicPartition> partitions, Consumer<ConsumerRecord<byte[], byte[]>> each) {
    try (var consumer = consumer()) {
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      long deadline = System.nanoTime() + FAULT_TIMEOUT.toNanos();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
          && System.nanoTime() < deadline) {
        consumer.poll(POLL).forEach(each);
      }
    }
  }

  private List<Terminal> readCommitted(int expected, Duration timeout) {
    List<Terminal> terminals = new ArrayList<>();
    try (var consumer = consumer()) {
      List<TopicPartition> partitions = terminalsCommitted();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (terminals.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          terminals.add(decode(record));
        }
      }
      // A duplicate would arrive with the same commits: read on to the end.
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          terminals.add(decode(record));
        }
      }
    }
    return terminals;
  }

  private KafkaConsumer<byte[], byte[]> consumer() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private Terminal decode(ConsumerRecord<byte[], byte[]> record) {
    if (record.topic().equals(Topics.DEAD_LETTERS)) {
      ImageKey key =
          topics.deadLetters().keySerde().deserializer().deserialize(record.topic(), record.key());
      DeadLetter letter = topics
          .deadLetters()
          .valueSerde()
          .deserializer()
          .deserialize(record.topic(), record.value());
      return new Terminal(
          record.topic(),
          key == null ? "(no key)" : key.getImageId().toString(),
          letter.getReason().name());
    }
    MatchEvent event =
        topics.outcomes().valueSerde().deserializer().deserialize(record.topic(), record.value());
    return new Terminal(
        record.topic(), event.getImageId().toString(), event.getDecision().name());
  }
}
