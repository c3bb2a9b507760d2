package io.doppel.topology.deadletter;

import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.serde.MalformedRecordException;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Builds the dead letter of a record that a stage gave up on. Pure: the caller supplies the time. */
public final class DeadLetters {

  private DeadLetters() {}

  /**
   * @param stage the stage that gave up ({@code extractor} or {@code matcher})
   * @param key the decoded key, or {@code null} when it could not be decoded
   * @param source where the image's bytes are, when known
   */
  public static DeadLetter of(
      String stage, RawRecord record, ImageKey key, String source,
      DeadLetterReason reason, String detail, Instant failedAt) {
    return DeadLetter.newBuilder()
        .setReason(reason)
        .setDetail(detail)
        .setStage(stage)
        .setTenant(key == null ? null : key.getTenant())
        .setImageId(key == null ? null : key.getImageId())
        .setSource(source)
        .setSourceTopic(record.topic())
        .setPartition(record.partition())
        .setOffset(record.offset())
        .setOriginalKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
        .setOriginalValue(record.value() == null ? null : ByteBuffer.wrap(record.value()))
        .setFailedAt(failedAt)
        .build();
  }

  /** The dead letter of bytes that are no Confluent-framed Avro record; the detail starts with the kind. */
  public static DeadLetter malformed(
      String stage, RawRecord record, ImageKey key, MalformedRecordException error, Instant failedAt) {
    return of(stage, record, key, null, DeadLetterReason.MALFORMED_RECORD, error.getMessage(), failedAt);
  }
}
