package io.doppel.topology.extract;

import static io.doppel.topology.testing.Samples.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.topology.deadletter.PoisonCounter;
import io.doppel.topology.ops.DoppelMeter;
import io.doppel.topology.testing.Samples;
import io.doppel.topology.testing.ScriptedExtractor;
import io.doppel.topology.testing.StreamsTestSupport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ExtractionTopologyTest {

  private static final int BATCH_SIZE = 3;
  private static final Duration MAX_WAIT = Duration.ofMillis(500);

  private final Topics topics = Topics.using(new InMemorySchemaRegistry());
  private final ScriptedExtractor extractor = new ScriptedExtractor();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @TempDir
  Path stateDirectory;

  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> uploads;
  private TestOutputTopic<ImageKey, ImageFeatures> features;
  private TestOutputTopic<ImageKey, DeadLetter> deadLetters;

  private void start(ExtractionTopology.Settings settings) {
    driver = StreamsTestSupport.driver(
        ExtractionTopology.build(topics, extractor, settings, meters), stateDirectory);
    uploads = driver.createInputTopic(
        Topics.UPLOADS, new ByteArraySerializer(), new ByteArraySerializer());
    features = driver.createOutputTopic(
        Topics.FEATURES,
        topics.features().keySerde().deserializer(),
        topics.features().valueSerde().deserializer());
    deadLetters = driver.createOutputTopic(
        Topics.DEAD_LETTERS,
        topics.deadLetters().keySerde().deserializer(),
        topics.deadLetters().valueSerde().deserializer());
  }

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
  }

  @Test
  void fullBatchesGoToTheExtractorTogetherAndTheRestWaitsForMaxWait() {
    start(ExtractionTopology.Settings.of(BATCH_SIZE, MAX_WAIT));
    List<String> ids = IntStream.range(0, 7).mapToObj(i -> "img-" + i).toList();
    ids.forEach(id -> pipe(Samples.upload(id)));

    assertThat(extractor.batches()).containsExactly(ids.subList(0, 3), ids.subList(3, 6));
    assertThat(features.readValuesToList())
        .extracting(f -> f.getImageId().toString())
        .containsExactlyElementsOf(ids.subList(0, 6));

    driver.advanceWallClockTime(MAX_WAIT);
    assertThat(extractor.batches()).last().isEqualTo(List.of("img-6"));
    assertThat(features.readKeyValuesToList())
        .singleElement()
        .satisfies(kv -> assertThat(kv.key).isEqualTo(key("img-6")));
  }

  @Test
  void aPartialBatchIsFlushedByTheWallClockOnlyOnceMaxWaitHasPassed() {
    start(ExtractionTopology.Settings.of(100, MAX_WAIT));
    pipe(Samples.upload("a"));
    pipe(Samples.upload("b"));

    driver.advanceWallClockTime(MAX_WAIT.dividedBy(2));
    assertThat(features.isEmpty()).isTrue();
    assertThat(extractor.batches()).isEmpty();

    driver.advanceWallClockTime(MAX_WAIT.dividedBy(2));
    assertThat(extractor.batches()).containsExactly(List.of("a", "b"));
    assertThat(features.readValuesToList())
        .extracting(f -> f.getImageId().toString())
        .containsExactly("a", "b");
  }

  @Test
  void aFailedImageBecomesADeadLetterWithTheExtractorsReasonAndTheOthersGoOn() {
    start(ExtractionTopology.Settings.of(2, MAX_WAIT));
    pipe(Samples.upload("fine"));
    UploadEvent corrupt = Samples.upload(ScriptedExtractor.CORRUPT_PREFIX + "1");
    pipe(corrupt);

    assertThat(features.readValuesToList())
        .extracting(f -> f.getImageId().toString())
        .containsExactly("fine");
    DeadLetter letter = deadLetters.readValue();
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.CORRUPT);
    assertThat(letter.getStage()).isEqualTo("extractor");
    assertThat(letter.getImageId()).isEqualTo(corrupt.getImageId().toString());
    assertThat(letter.getOffset()).isEqualTo(1L);
    assertThat(letter.getOriginalValue().array()).isEqualTo(valueBytes(corrupt));
    assertThat(poisonCount(DeadLetterReason.CORRUPT)).isEqualTo(1.0);
  }

  @ParameterizedTest
  @EnumSource(value = Malformation.class)
  void malformedRecordsBecomeDeadLettersAndTheStreamGoesOn(Malformation malformation) {
    start(ExtractionTopology.Settings.of(1, MAX_WAIT));
    byte[] keyBytes = keyBytes(key("bad"));
    byte[] valueBytes = valueBytes(Samples.upload("bad"));
    byte[] badKey = malformation.onKey ? malformation.apply(keyBytes) : keyBytes;
    byte[] badValue = malformation.onKey ? valueBytes : malformation.apply(valueBytes);
    uploads.pipeInput(badKey, badValue);
    pipe(Samples.upload("after"));

    DeadLetter letter = deadLetters.readValue();
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.MALFORMED_RECORD);
    assertThat(letter.getDetail()).contains(malformation.kind);
    assertThat(letter.getSourceTopic()).isEqualTo(Topics.UPLOADS);
    assertThat(letter.getPartition()).isZero();
    assertThat(letter.getOffset()).isZero();
    assertThat(letter.getOriginalKey().array()).isEqualTo(badKey);
    assertThat(letter.getOriginalValue().array()).isEqualTo(badValue);
    assertThat(features.readValuesToList())
        .extracting(f -> f.getImageId().toString())
        .containsExactly("after");
    assertThat(poisonCount(DeadLetterReason.MALFORMED_RECORD)).isEqualTo(1.0);
  }

  enum Malformation {
    BAD_MAGIC_BYTE("BAD_MAGIC_BYTE", false) {
      @Override
      byte[] apply(byte[] valid) {
        byte[] bytes = valid.clone();
        bytes[0] = 7;
        return bytes;
      }
    },
    UNKNOWN_SCHEMA_ID("UNKNOWN_SCHEMA_ID", false) {
      @Override
      byte[] apply(byte[] valid) {
        byte[] bytes = valid.clone();
        bytes[1] = 0x7f;
        return bytes;
      }
    },
    TRUNCATED_BODY("TRUNCATED", false) {
      @Override
      byte[] apply(byte[] valid) {
        return Arrays.copyOf(valid, 8);
      }
    },
    TRUNCATED_HEADER("TRUNCATED", false) {
      @Override
      byte[] apply(byte[] valid) {
        return Arrays.copyOf(valid, 3);
      }
    },
    EMPTY("EMPTY", false) {
      @Override
      byte[] apply(byte[] valid) {
        return new byte[0];
      }
    },
    KEY_BAD_MAGIC_BYTE("BAD_MAGIC_BYTE", true) {
      @Override
      byte[] apply(byte[] valid) {
        return BAD_MAGIC_BYTE.apply(valid);
      }
    };

    final String kind;
    final boolean onKey;

    Malformation(String kind, boolean onKey) {
      this.kind = kind;
      this.onKey = onKey;
    }

    abstract byte[] apply(byte[] valid);
  }

  @Test
  void invalidEventsBecomeDeadLettersWithTheProblem() {
    start(ExtractionTopology.Settings.of(1, MAX_WAIT));
    pipe(Samples.withoutImage("nothing"));
    uploads.pipeInput(keyBytes(key("other-key")), valueBytes(Samples.upload("mismatch")));
    pipe(Samples.event("both", Purpose.UPLOAD)
        .setSource("https://example.org/a.jpg")
        .setInlineBytes(java.nio.ByteBuffer.wrap(new byte[] {1}))
        .build());
    uploads.pipeInput(null, valueBytes(Samples.upload("keyless")));

    List<DeadLetter> letters = deadLetters.readValuesToList();
    assertThat(letters)
        .extracting(DeadLetter::getReason)
        .containsOnly(DeadLetterReason.INVALID_EVENT);
    assertThat(letters)
        .extracting(DeadLetter::getDetail)
        .satisfiesExactly(
            d -> assertThat(d).contains("neither"),
            d -> assertThat(d).contains("does not match"),
            d -> assertThat(d).contains("both"),
            d -> assertThat(d).contains("no key"));
    assertThat(features.isEmpty()).isTrue();
    assertThat(extractor.batches()).isEmpty();
    assertThat(poisonCount(DeadLetterReason.INVALID_EVENT)).isEqualTo(4.0);
    assertThat(meters
            .get(DoppelMeter.DEAD_LETTERS.meterName())
            .tag("reason", "INVALID_EVENT")
            .counter()
            .count())
        .isEqualTo(4.0);
  }

  /**
   * Every id and name is checked at intake, before anything downstream can choke on it: the matcher's indexes hold at
   * most 512 UTF-8 bytes per id or name (Milvus' VarChar), Lucene refuses terms over 32 KB and the write-ahead log
   * strings over 64 KB; control characters and bidirectional overrides forge log lines and reviewers' pages.
   */
  @Test
  void idsAndNamesTooLongOrWithControlCharactersAreDeadLetteredAtIntake() {
    start(ExtractionTopology.Settings.of(1, MAX_WAIT));
    String tooLong = "\u00e9".repeat(257);
    pipe(Samples.upload(tooLong));
    pipe(Samples.upload("x".repeat(70_000)));
    pipe(Samples.upload("line\nbreak"));
    pipe(Samples.upload("nul\u0000byte"));
    pipe(Samples.upload("bidi\u202eoverride"));
    pipe(Samples.event("long-holder", Purpose.REFERENCE)
        .setInlineBytes(java.nio.ByteBuffer.wrap(new byte[] {1}))
        .setRightsHolder(tooLong)
        .build());
    pipe(Samples.event("long-set", Purpose.REFERENCE)
        .setInlineBytes(java.nio.ByteBuffer.wrap(new byte[] {1}))
        .setRightsHolder("holder")
        .setReferenceSet(tooLong)
        .build());
    pipe(Samples.event("long-uploader", Purpose.UPLOAD)
        .setInlineBytes(java.nio.ByteBuffer.wrap(new byte[] {1}))
        .setUploader(tooLong)
        .build());
    pipe(Samples.event("long-type", Purpose.UPLOAD)
        .setInlineBytes(java.nio.ByteBuffer.wrap(new byte[] {1}))
        .setContentType("image/" + "x".repeat(300))
        .build());
    pipe(Samples.fromSource("long-source", "https://example.org/" + "a".repeat(9_000)));
    pipe(Samples.fromSource("spaced-source", "https://example.org/a b.jpg"));
    pipe(Samples.delete("y".repeat(70_000)));
    pipe(Samples.upload("\u00e9".repeat(256)));

    List<DeadLetter> letters = deadLetters.readValuesToList();
    assertThat(letters)
        .hasSize(12)
        .extracting(DeadLetter::getReason)
        .containsOnly(DeadLetterReason.INVALID_EVENT);
    assertThat(letters)
        .extracting(DeadLetter::getDetail)
        .satisfiesExactly(
            d -> assertThat(d).contains("imageId").contains("514 UTF-8 bytes"),
            d -> assertThat(d).contains("imageId").contains("70000 UTF-8 bytes"),
            d -> assertThat(d).contains("imageId").contains("U+000A"),
            d -> assertThat(d).contains("imageId").contains("U+0000"),
            d -> assertThat(d).contains("imageId").contains("U+202E"),
            d -> assertThat(d).contains("rightsHolder"),
            d -> assertThat(d).contains("referenceSet"),
            d -> assertThat(d).contains("uploader"),
            d -> assertThat(d).contains("contentType"),
            d -> assertThat(d).contains("source"),
            d -> assertThat(d).contains("source"),
            d -> assertThat(d).contains("imageId"));
    assertThat(letters).allSatisfy(letter -> {
      assertThat(letter.getDetail().length()).as("a detail stays short").isLessThan(1_000);
      assertThat(letter.getImageId() == null ? 0 : letter.getImageId().length())
          .as("ids in a dead letter stay bounded")
          .isLessThanOrEqualTo(600);
    });
    assertThat(features.readValuesToList())
        .extracting(f -> f.getImageId().toString())
        .containsExactly("\u00e9".repeat(256));
  }

  /**
   * uploadedAt is the producer's word; the record's timestamp is the broker's (doppel.uploads has LogAppendTime).
   * An upload backdated by a year would fall out of every retro-scan window and be indexed as an old image: its
   * uploadedAt is moved to within the tolerance of the record's timestamp, either way, and the rest of the features are
   * those of the upload as sent.
   */
  @Test
  void anUploadedAtFarFromTheRecordsTimestampIsBoundedByIt() {
    start(
        ExtractionTopology.Settings.of(1, MAX_WAIT).withUploadedAtTolerance(Duration.ofMinutes(5)));
    java.time.Instant appended = StreamsTestSupport.START.plus(Duration.ofDays(400));
    UploadEvent backdated = Samples.event("backdated", Purpose.UPLOAD)
        .setInlineBytes(java.nio.ByteBuffer.wrap(new byte[] {1}))
        .setUploadedAt(java.time.Instant.EPOCH)
        .build();
    UploadEvent postdated = Samples.event("postdated", Purpose.UPLOAD)
        .setInlineBytes(java.nio.ByteBuffer.wrap(new byte[] {1}))
        .setUploadedAt(appended.plus(Duration.ofDays(30)))
        .build();
    UploadEvent honest = Samples.event("honest", Purpose.REFERENCE)
        .setInlineBytes(java.nio.ByteBuffer.wrap(new byte[] {1}))
        .setRightsHolder("holder")
        .setUploadedAt(appended.minus(Duration.ofMinutes(4)))
        .build();
    for (UploadEvent event : List.of(backdated, postdated, honest)) {
      uploads.pipeInput(keyBytes(key(event.getImageId())), valueBytes(event), appended);
    }

    assertThat(features.readValuesToList())
        .extracting(f -> f.getImageId(), ImageFeatures::getUploadedAt)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("backdated", appended.minus(Duration.ofMinutes(5))),
            org.assertj.core.groups.Tuple.tuple("postdated", appended.plus(Duration.ofMinutes(5))),
            org.assertj.core.groups.Tuple.tuple("honest", appended.minus(Duration.ofMinutes(4))));
  }

  /**
   * A record larger than the batch buffer takes (a topic configured above Doppel's 2 MiB) would fail the changelog
   * write and be consumed again forever: it is dead-lettered TOO_LARGE without being buffered, the dead letter without
   * the original bytes (the dead-letter topic could not take them), and the uploads around it are extracted.
   */
  @Test
  void anUploadRecordTooLargeForTheBufferIsADeadLetterWithoutItsBytes() {
    start(ExtractionTopology.Settings.of(2, MAX_WAIT));
    UploadEvent huge = Samples.event("huge", Purpose.UPLOAD)
        .setInlineBytes(
            java.nio.ByteBuffer.wrap(new byte[ExtractionTopology.MAX_BUFFERED_RECORD_BYTES]))
        .build();

    pipe(Samples.upload("before"));
    pipe(huge);
    pipe(Samples.upload("after"));

    DeadLetter letter = deadLetters.readValue();
    assertThat(letter.getReason()).isEqualTo(DeadLetterReason.TOO_LARGE);
    assertThat(letter.getImageId()).isEqualTo("huge");
    assertThat(letter.getOriginalValue()).isNull();
    assertThat(letter.getDetail()).contains("batch buffer", "left out", "doppel.uploads-0@1");
    assertThat(features.readValuesToList())
        .extracting(f -> f.getImageId().toString())
        .containsExactly("before", "after");
  }

  @Test
  void deletesAndTombstonesPassThroughAsDeletionFeaturesAfterEarlierUploads() {
    start(ExtractionTopology.Settings.of(100, MAX_WAIT));
    pipe(Samples.upload("kept-then-deleted"));
    pipe(Samples.delete("kept-then-deleted"));
    uploads.pipeInput(keyBytes(key("tombstoned")), null, StreamsTestSupport.START.plusSeconds(5));

    List<ImageFeatures> out = features.readValuesToList();
    assertThat(out)
        .extracting(f -> f.getImageId().toString(), ImageFeatures::getPurpose)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("kept-then-deleted", Purpose.UPLOAD),
            org.assertj.core.groups.Tuple.tuple("kept-then-deleted", Purpose.DELETE),
            org.assertj.core.groups.Tuple.tuple("tombstoned", Purpose.DELETE));
    ImageFeatures tombstone = out.get(2);
    assertThat(DeleteFeatures.isDeletion(tombstone)).isTrue();
    assertThat(tombstone.getViews()).isEmpty();
    assertThat(tombstone.getTenant()).isEqualTo(Samples.TENANT);
    assertThat(tombstone.getUploadedAt()).isEqualTo(StreamsTestSupport.START.plusSeconds(5));
    assertThat(out.get(1).getUploader()).isEqualTo("user-1");
    assertThat(extractor.batches()).containsExactly(List.of("kept-then-deleted"));
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void whenTheExtractorItselfFailsTheBufferedUploadsAreKeptForTheNextFlush() {
    start(ExtractionTopology.Settings.of(2, MAX_WAIT));
    pipe(Samples.upload("first"));
    extractor.setBroken(true);
    assertThatThrownBy(() -> pipe(Samples.upload("second")))
        .satisfies(e -> assertThat(StreamsTestSupport.causalChain(e))
            .anySatisfy(c -> assertThat(c).hasMessageContaining("model unavailable")));
    assertThat(features.isEmpty()).isTrue();

    extractor.setBroken(false);
    driver.advanceWallClockTime(MAX_WAIT);
    assertThat(features.readValuesToList())
        .extracting(f -> f.getImageId().toString())
        .containsExactly("first", "second");
  }

  @Test
  void settingsRejectNonsense() {
    assertThatThrownBy(() -> ExtractionTopology.Settings.of(0, MAX_WAIT))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batchSize");
    assertThatThrownBy(() -> ExtractionTopology.Settings.of(1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWait");
  }

  private void pipe(UploadEvent event) {
    uploads.pipeInput(keyBytes(key(event.getImageId().toString())), valueBytes(event));
  }

  private byte[] keyBytes(ImageKey key) {
    return topics.uploads().keySerde().serializer().serialize(Topics.UPLOADS, key);
  }

  private byte[] valueBytes(UploadEvent event) {
    return topics.uploads().valueSerde().serializer().serialize(Topics.UPLOADS, event);
  }

  private double poisonCount(DeadLetterReason reason) {
    return StreamsTestSupport.metricTotal(
        driver, PoisonCounter.GROUP, PoisonCounter.metricName(reason));
  }
}
