package io.doppel.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.topology.extract.ExtractionTopology;
import io.doppel.topology.match.MatchingTopology;
import io.doppel.topology.runtime.StreamsRuntime;
import io.doppel.topology.runtime.StreamsRuntimeConfig;
import io.doppel.topology.testing.EmbeddedKafkaExtension;
import io.doppel.topology.testing.Samples;
import io.doppel.topology.testing.ScriptedExtractor;
import io.doppel.topology.testing.ScriptedMatcher;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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
 * Both topologies on a real KRaft broker, with the real serdes and exactly_once_v2: uploads in,
 * and every upload ends as exactly one committed record on duplicates, violations, outcomes or
 * dead-letters.
 */
class PipelineEndToEndIT {

  @RegisterExtension
  static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

  private static final int PARTITIONS = 2;
  private static final int BULK_UPLOADS = 20;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration POLL = Duration.ofMillis(100);
  /** How long a topic must stay without the records that a stopped dependency must hold back. */
  private static final Duration QUIET_WINDOW = Duration.ofSeconds(3);

  private static final String OUTAGE = "outage-";
  private static final int OUTAGE_UPLOADS = 6;
  /** The broker's smallest allowed session timeout (group.min.session.timeout.ms). */
  private static final String SESSION_TIMEOUT_MS = "6000";

  private static final List<String> TERMINAL_TOPICS =
      List.of(Topics.DUPLICATES, Topics.VIOLATIONS, Topics.OUTCOMES, Topics.DEAD_LETTERS);

  /** One registry for the class: both tests write to the same topics, so ids must mean the same. */
  private static final Topics topics = Topics.using(new InMemorySchemaRegistry());

  /** One terminal record, flattened for assertions. */
  record Terminal(String topic, String imageId, String what) {}

  @Test
  void uploadsFlowToExactlyOneCommittedOutcomeEach(@TempDir Path state) throws Exception {
    KAFKA.cluster().createTopics(Topics.NAMES, PARTITIONS, 1);
    var extraction = ExtractionTopology.build(
        topics, new ScriptedExtractor(), ExtractionTopology.Settings.of(8, Duration.ofMillis(200)));
    var matching =
        MatchingTopology.build(topics, new ScriptedMatcher(), MatchingTopology.Settings.DEFAULTS);

    try (var extractor = StreamsRuntime.start(extraction, config("doppel-extractor-e2e", state));
        var matcher = StreamsRuntime.start(matching, config("doppel-matcher-e2e", state))) {
      extractor.awaitRunning(START_TIMEOUT);
      matcher.awaitRunning(START_TIMEOUT);

      Map<String, String> expected = new HashMap<>();
      try (var producer = producer()) {
        send(producer, Samples.upload("clean-1"));
        expected.put("clean-1", Topics.OUTCOMES + ":CLEAN");
        send(producer, Samples.upload("dup-1"));
        expected.put("dup-1", Topics.DUPLICATES + ":DUPLICATE");
        send(producer, Samples.upload("copy-1"));
        expected.put("copy-1", Topics.VIOLATIONS + ":COPYRIGHT_VIOLATION");
        send(producer, Samples.reference("ref-1", "studio"));
        expected.put("ref-1", Topics.OUTCOMES + ":REGISTERED");
        send(producer, Samples.delete("gone-1"));
        expected.put("gone-1", Topics.OUTCOMES + ":DELETED");
        producer
            .send(new ProducerRecord<>(Topics.UPLOADS, keyBytes("tomb-1"), null))
            .get();
        expected.put("tomb-1", Topics.OUTCOMES + ":DELETED");
        send(producer, Samples.upload(ScriptedExtractor.CORRUPT_PREFIX + "1"));
        expected.put(ScriptedExtractor.CORRUPT_PREFIX + "1", Topics.DEAD_LETTERS + ":CORRUPT");
        send(producer, Samples.withoutImage("empty-1"));
        expected.put("empty-1", Topics.DEAD_LETTERS + ":INVALID_EVENT");
        byte[] poison = valueBytes(Samples.upload("poison-1"));
        poison[0] = 42;
        producer
            .send(new ProducerRecord<>(Topics.UPLOADS, keyBytes("poison-1"), poison))
            .get();
        expected.put("poison-1", Topics.DEAD_LETTERS + ":MALFORMED_RECORD");
        for (int i = 0; i < BULK_UPLOADS; i++) {
          send(producer, Samples.upload("bulk-" + i));
          expected.put("bulk-" + i, Topics.OUTCOMES + ":CLEAN");
        }
      }

      List<Terminal> terminals =
          readCommitted(expected.size(), id -> !id.startsWith(OUTAGE), CONSUME_TIMEOUT);
      System.out.printf(
          "end-to-end: %d uploads in, %d committed terminal records out%n",
          expected.size(), terminals.size());

      Map<String, String> actual = new HashMap<>();
      for (Terminal t : terminals) {
        assertThat(actual.put(t.imageId(), t.topic() + ":" + t.what()))
            .as("a second outcome for %s", t.imageId())
            .isNull();
      }
      assertThat(actual).isEqualTo(expected);
    }
  }

  private StreamsRuntimeConfig config(String applicationId, Path state) {
    return StreamsRuntimeConfig.of(
        KAFKA.bootstrapServers(), applicationId, state.resolve(applicationId));
  }

  private KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private void send(KafkaProducer<byte[], byte[]> producer, UploadEvent event) throws Exception {
    producer
        .send(new ProducerRecord<>(
            Topics.UPLOADS, keyBytes(event.getImageId().toString()), valueBytes(event)))
        .get();
  }

  private byte[] keyBytes(String imageId) {
    return topics.uploads().keySerde().serializer().serialize(Topics.UPLOADS, Samples.key(imageId));
  }

  private byte[] valueBytes(UploadEvent event) {
    return topics.uploads().valueSerde().serializer().serialize(Topics.UPLOADS, event);
  }

  @Test
  void aDependencyOutageReplacesTheThreadButSkipsNothingAndDoublesNothing(@TempDir Path state)
      throws Exception {
    KAFKA.cluster().createTopics(Topics.NAMES, PARTITIONS, 1);
    var extractorPort = new ScriptedExtractor();
    var matcherPort = new ScriptedMatcher();
    var extraction = ExtractionTopology.build(
        topics, extractorPort, ExtractionTopology.Settings.of(4, Duration.ofMillis(200)));
    var shortRetry = new MatchingTopology.Settings(
        Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(300));
    var matching = MatchingTopology.build(topics, matcherPort, shortRetry);

    // A dead thread's consumer does not leave the group; its tasks move on after the session
    // timeout.
    Map<String, String> quickTakeOver = Map.of("consumer.session.timeout.ms", SESSION_TIMEOUT_MS);
    try (var extractor = StreamsRuntime.start(
            extraction, config("doppel-extractor-outage", state).withOverrides(quickTakeOver));
        var matcher = StreamsRuntime.start(
            matching, config("doppel-matcher-outage", state).withOverrides(quickTakeOver))) {
      extractor.awaitRunning(START_TIMEOUT);
      matcher.awaitRunning(START_TIMEOUT);
      Map<String, String> expected = new HashMap<>();
      try (var producer = producer()) {
        matcherPort.failNext(Integer.MAX_VALUE);
        for (int i = 0; i < OUTAGE_UPLOADS; i++) {
          send(producer, Samples.upload(OUTAGE + "index-" + i));
          expected.put(OUTAGE + "index-" + i, Topics.OUTCOMES + ":CLEAN");
        }
        awaitThreadReplacement(matcher, "the matcher, index down");

        extractorPort.setBroken(true);
        for (int i = 0; i < OUTAGE_UPLOADS; i++) {
          send(producer, Samples.upload(OUTAGE + "model-" + i));
          expected.put(OUTAGE + "model-" + i, Topics.OUTCOMES + ":CLEAN");
        }
        awaitThreadReplacement(extractor, "the extractor, model gone");
      }
      assertThat(readCommitted(1, id -> id.startsWith(OUTAGE), QUIET_WINDOW))
          .as("nothing decided while down")
          .isEmpty();

      extractorPort.setBroken(false);
      matcherPort.failNext(0);
      List<Terminal> terminals =
          readCommitted(expected.size(), id -> id.startsWith(OUTAGE), CONSUME_TIMEOUT);
      System.out.printf(
          "outage: %d uploads in, %d committed terminal records out, threads replaced: "
              + "extractor %d, matcher %d%n",
          expected.size(),
          terminals.size(),
          extractor.threadReplacements(),
          matcher.threadReplacements());
      Map<String, String> actual = new HashMap<>();
      for (Terminal t : terminals) {
        assertThat(actual.put(t.imageId(), t.topic() + ":" + t.what()))
            .as("a second outcome for %s", t.imageId())
            .isNull();
      }
      assertThat(actual).isEqualTo(expected);
    }
  }

  private static void awaitThreadReplacement(StreamsRuntime runtime, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (runtime.threadReplacements() == 0) {
      assertThat(System.nanoTime()).as("a thread of %s was replaced", what).isLessThan(deadline);
      Thread.sleep(POLL.toMillis());
    }
  }

  /** Committed terminal records of the images {@code selected} picks, until {@code expected} or a timeout. */
  private List<Terminal> readCommitted(
      int expected, java.util.function.Predicate<String> selected, Duration timeout) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<Terminal> terminals = new ArrayList<>();
    try (var consumer =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = TERMINAL_TOPICS.stream()
          .flatMap(
              topic -> IntStream.range(0, PARTITIONS).mapToObj(i -> new TopicPartition(topic, i)))
          .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (terminals.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          addIfSelected(terminals, decode(record), selected);
        }
      }
      // Anything more than expected (a duplicate) arrives with the same commits: read a little on.
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
        addIfSelected(terminals, decode(record), selected);
      }
    }
    return terminals;
  }

  private static void addIfSelected(
      List<Terminal> terminals, Terminal terminal, java.util.function.Predicate<String> selected) {
    if (selected.test(terminal.imageId())) {
      terminals.add(terminal);
    }
  }

  private Terminal decode(ConsumerRecord<byte[], byte[]> record) {
    ImageKey key =
        topics.outcomes().keySerde().deserializer().deserialize(record.topic(), record.key());
    if (record.topic().equals(Topics.DEAD_LETTERS)) {
      DeadLetter letter = topics
          .deadLetters()
          .valueSerde()
          .deserializer()
          .deserialize(record.topic(), record.value());
      return new Terminal(
          record.topic(), key.getImageId().toString(), letter.getReason().name());
    }
    MatchEvent event =
        topics.outcomes().valueSerde().deserializer().deserialize(record.topic(), record.value());
    return new Terminal(
        record.topic(), event.getImageId().toString(), event.getDecision().name());
  }
}
