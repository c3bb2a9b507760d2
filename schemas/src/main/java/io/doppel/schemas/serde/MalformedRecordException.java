package io.doppel.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * A record's bytes are not a valid Confluent-framed Avro record. Topologies route these to the
 * dead-letter topic with {@link #kind()} as the detail; they never kill a stream thread.
 */
public class MalformedRecordException extends SerializationException {

  public enum Kind {
    EMPTY,
    BAD_MAGIC_BYTE,
    UNKNOWN_SCHEMA_ID,
    TRUNCATED,
    UNREADABLE
  }

  private final Kind kind;

  public MalformedRecordException(Kind kind, String message, Throwable cause) {
    super(kind + ": " + message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
