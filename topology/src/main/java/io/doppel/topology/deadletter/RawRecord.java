package io.doppel.topology.deadletter;

import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * A consumed record as it arrived (bytes, not yet decoded) and where it came from: everything a
 * dead letter needs to let an operator replay it.
 */
public record RawRecord(
    String topic, int partition, long offset, long timestamp, byte[] key, byte[] value) {

  /** Where the record came from is unknown outside processing of a consumed record. */
  public static final int UNKNOWN_PARTITION = -1;

  public static final long UNKNOWN_OFFSET = -1L;

  public static RawRecord of(
      ProcessingContext context, Record<byte[], byte[]> record, String fallbackTopic) {
    var metadata = context.recordMetadata();
    return new RawRecord(
        metadata.map(m -> m.topic()).orElse(fallbackTopic),
        metadata.map(m -> m.partition()).orElse(UNKNOWN_PARTITION),
        metadata.map(m -> m.offset()).orElse(UNKNOWN_OFFSET),
        record.timestamp(),
        record.key(),
        record.value());
  }
}
