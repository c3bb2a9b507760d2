package io.doppel.topology.deadletter;

import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.serde.MalformedRecordException;
import io.doppel.topology.intake.Fields;
import io.doppel.topology.intake.SourceUrls;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Builds the dead letter of a record that a stage gave up on. Pure: the caller supplies the time. */
public final class DeadLetters {

  /** The most characters of a dead letter's detail: an error's message, never a copy of the record. */
  static final int MAX_DETAIL_CHARS = 4096;
  /**
   * The largest original key or value a dead letter carries: half the 2 MiB {@code max.message.bytes} of {@code
   * doppel.dead-letters}, so that the dead letter itself is always accepted (a refused one would replace the stream
   * thread and fail again on every retry). A larger original is left out; the letter names its topic, partition and
   * offset to replay from. Guarded by {@code DeadLettersTest}.
   */
  public static final int MAX_ORIGINAL_BYTES = 1024 * 1024;

  private DeadLetters() {}

  /**
   * The key a dead letter about {@code key} is written under, and the tenant and image id it names: cut to what a name
   * may hold ({@link Fields#bounded}), so that a record dead-lettered for its over-long id does not carry that id
   * twice more. The original key bytes stay in {@code originalKey}. Null for null.
   */
  public static ImageKey boundedKey(ImageKey key) {
    if (key == null) {
      return null;
    }
    String tenant = Fields.bounded(key.getTenant());
    String imageId = Fields.bounded(key.getImageId());
    return tenant.equals(key.getTenant().toString())
            && imageId.equals(key.getImageId().toString())
        ? key
        : new ImageKey(tenant, imageId);
  }

  private static String cut(String text, int max) {
    return text == null || text.length() <= max
        ? text
        : text.substring(0, max) + "...(" + text.length() + " chars)";
  }

  /**
   * The source and detail name URLs only as {@link SourceUrls#redacted} (a signed URL's query is its secret); the
   * original record, kept for replay, is unchanged.
   *
   * @param stage the stage that gave up ({@code extractor} or {@code matcher})
   * @param key the decoded key, or {@code null} when it could not be decoded
   * @param source where the image's bytes are, when known
   */
  public static DeadLetter of(
      String stage,
      RawRecord record,
      ImageKey key,
      String source,
      DeadLetterReason reason,
      String detail,
      Instant failedAt) {
    ImageKey bounded = boundedKey(key);
    boolean keyKept = record.key() == null || record.key().length <= MAX_ORIGINAL_BYTES;
    boolean valueKept = record.value() == null || record.value().length <= MAX_ORIGINAL_BYTES;
    String shown = cut(SourceUrls.scrubbed(detail), MAX_DETAIL_CHARS);
    if (!keyKept || !valueKept) {
      shown += " (original "
          + (valueKept ? "key of " + record.key().length : "value of " + record.value().length)
          + " bytes left out, above " + MAX_ORIGINAL_BYTES + ": replay from " + record.topic() + "-"
          + record.partition()
          + "@" + record.offset() + ")";
    }
    return DeadLetter.newBuilder()
        .setReason(reason)
        .setDetail(shown)
        .setStage(stage)
        .setTenant(bounded == null ? null : bounded.getTenant())
        .setImageId(bounded == null ? null : bounded.getImageId())
        .setSource(cut(SourceUrls.redacted(source), Fields.MAX_SOURCE_CHARS))
        .setSourceTopic(record.topic())
        .setPartition(record.partition())
        .setOffset(record.offset())
        .setOriginalKey(record.key() == null || !keyKept ? null : ByteBuffer.wrap(record.key()))
        .setOriginalValue(
            record.value() == null || !valueKept ? null : ByteBuffer.wrap(record.value()))
        .setFailedAt(failedAt)
        .build();
  }

  /** The dead letter of bytes that are no Confluent-framed Avro record; the detail starts with the kind. */
  public static DeadLetter malformed(
      String stage,
      RawRecord record,
      ImageKey key,
      MalformedRecordException error,
      Instant failedAt) {
    return of(
        stage, record, key, null, DeadLetterReason.MALFORMED_RECORD, error.getMessage(), failedAt);
  }
}
