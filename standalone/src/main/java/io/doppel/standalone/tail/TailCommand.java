package io.doppel.standalone.tail;

import io.doppel.schemas.Topic;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.standalone.cli.Args;
import io.doppel.standalone.cli.StackConnection;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code doppel tail}: prints the decisions of any Doppel stack as JSON lines ({@link DecisionLine}), filtered by kind
 * and tenant. It reads committed records only ({@code read_committed}, as the integration guide asks of a platform),
 * with no consumer group: it commits nothing and takes no partitions from anyone. A record the project's serdes
 * cannot read is named on stderr and skipped. It stops after {@code --max} lines, after {@code --wait}, or on Ctrl-C
 * (the consumer is woken and closed before the JVM exits).
 */
public final class TailCommand {

  private static final Duration POLL = Duration.ofMillis(250);
  private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);

  public static final String USAGE = """
      doppel tail [options]
        --kind K[,K...]         duplicate, copyright-violation, clean, registered, deleted, dead-letter
                                (default: all; each kind's topic is read only when asked for)
        --tenant T              only this tenant's decisions
        --from-beginning        from the oldest record each topic keeps (default: what arrives from now)
        --max N                 stop after N lines
        --wait SECONDS          stop after this long; with --max, exit 1 when fewer than N arrived
      """ + StackConnection.OPTIONS_USAGE;

  private TailCommand() {}

  public static int run(Args args) {
    return run(args, System.getenv(), System.out, true);
  }

  /** The command with the given environment, printing its lines to {@code out}; with {@code onCtrlC}, a shutdown hook ends the run cleanly. */
  public static int run(
      Args args, Map<String, String> environment, PrintStream out, boolean onCtrlC) {
    Set<DecisionKind> kinds = DecisionKind.parse(args.string("kind", null));
    String tenant = args.string("tenant", null);
    boolean fromBeginning = args.flag("from-beginning");
    int max = args.integer("max", 0, 1);
    int waitSeconds = args.integer("wait", 0, 1);
    StackConnection connection = StackConnection.read(args, environment);
    args.rejectUnknown();
    Set<String> topicNames = DecisionKind.topicsOf(kinds);
    connection.checkTopics(topicNames);
    Filter filter = new Filter(kinds, tenant);
    Duration wait = waitSeconds == 0 ? null : Duration.ofSeconds(waitSeconds);
    CountDownLatch closed = new CountDownLatch(1);
    Thread hook = null;
    try (HttpSchemaRegistry registry = new HttpSchemaRegistry(connection.registry());
        KafkaConsumer<byte[], byte[]> consumer = consumer(connection)) {
      Topics topics = Topics.using(registry);
      List<TopicPartition> partitions = topicNames.stream()
          .flatMap(name -> consumer.partitionsFor(name).stream())
          .map(info -> new TopicPartition(info.topic(), info.partition()))
          .toList();
      consumer.assign(partitions);
      if (fromBeginning) {
        consumer.seekToBeginning(partitions);
      } else {
        consumer.seekToEnd(partitions);
      }
      // fixes the starting offsets now: "from now" means from before the first poll
      partitions.forEach(consumer::position);
      System.err.printf(
          "doppel tail: %s at %s, %s%s%n",
          String.join(", ", topicNames),
          connection.kafka().bootstrapServers(),
          fromBeginning ? "from the beginning" : "from now",
          tenant == null ? "" : ", tenant " + tenant);
      if (onCtrlC) {
        hook = new Thread(() -> stop(consumer, closed));
        Runtime.getRuntime().addShutdownHook(hook);
      }
      long printed = read(consumer, topics, filter, out, max, wait);
      return max > 0 && printed < max ? 1 : 0;
    } catch (WakeupException e) {
      return 0;
    } finally {
      // after the consumer's close: the hook lets the JVM exit only then
      closed.countDown();
      if (hook != null) {
        removeHook(hook);
      }
    }
  }

  /** Which records are printed. */
  record Filter(Set<DecisionKind> kinds, String tenant) {
    boolean accepts(DecisionKind kind, String recordTenant) {
      return kinds.contains(kind) && (tenant == null || tenant.equals(recordTenant));
    }
  }

  private static long read(
      KafkaConsumer<byte[], byte[]> consumer,
      Topics topics,
      Filter filter,
      PrintStream out,
      int max,
      Duration wait) {
    long start = System.nanoTime();
    long printed = 0;
    while (wait == null || System.nanoTime() - start < wait.toNanos()) {
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
        String line = line(record, topics, filter);
        if (line != null) {
          out.println(line);
          out.flush();
          printed++;
          if (max > 0 && printed >= max) {
            return printed;
          }
        }
      }
    }
    return printed;
  }

  /** The record's line, or null when the filter drops it or it cannot be read (said on stderr). */
  static String line(ConsumerRecord<byte[], byte[]> record, Topics topics, Filter filter) {
    if (record.value() == null) {
      return null;
    }
    DecisionLine.Position position =
        new DecisionLine.Position(record.topic(), record.partition(), record.offset());
    try {
      if (record.topic().equals(Topics.DEAD_LETTERS)) {
        DeadLetter letter = read(topics.deadLetters(), record);
        String tenant = letter.getTenant() != null
            ? letter.getTenant()
            : keyTenant(topics.deadLetters(), record);
        return filter.accepts(DecisionKind.DEAD_LETTER, tenant)
            ? DecisionLine.of(letter, position)
            : null;
      }
      MatchEvent event = read(topics.outcomes(), record);
      return filter.accepts(DecisionKind.of(event.getDecision()), event.getTenant())
          ? DecisionLine.of(event, position)
          : null;
    } catch (RuntimeException e) {
      System.err.printf(
          "doppel tail: skipped %s-%d@%d, not readable: %s%n",
          record.topic(), record.partition(), record.offset(), e.getMessage());
      return null;
    }
  }

  private static <V extends org.apache.avro.specific.SpecificRecord> V read(
      Topic<ImageKey, V> topic, ConsumerRecord<byte[], byte[]> record) {
    return topic.valueSerde().deserializer().deserialize(record.topic(), record.value());
  }

  private static String keyTenant(Topic<ImageKey, ?> topic, ConsumerRecord<byte[], byte[]> record) {
    if (record.key() == null) {
      return null;
    }
    return topic
        .keySerde()
        .deserializer()
        .deserialize(record.topic(), record.key())
        .getTenant();
  }

  private static KafkaConsumer<byte[], byte[]> consumer(StackConnection connection) {
    Properties properties = connection.clientProperties();
    properties.put(ConsumerConfig.CLIENT_ID_CONFIG, "doppel-tail");
    properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return new KafkaConsumer<>(
        properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Ctrl-C: wakes the polling thread, which closes the consumer, and waits a little for that. */
  private static void stop(KafkaConsumer<byte[], byte[]> consumer, CountDownLatch closed) {
    consumer.wakeup();
    try {
      closed.await(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook is running
    }
  }
}
