package io.doppel.image;

import io.doppel.schemas.avro.DeadLetterReason;
import java.util.Objects;

/**
 * One image could not be turned into features, for a reason the dead-letter topic can carry. Thrown
 * by the fetch, decode and descriptor stages; the pipeline turns it into {@code Extraction.Failed}.
 */
public final class ImageRejectedException extends Exception {

  private final DeadLetterReason reason;

  public ImageRejectedException(DeadLetterReason reason, String detail) {
    this(reason, detail, null);
  }

  public ImageRejectedException(DeadLetterReason reason, String detail, Throwable cause) {
    super(detail, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public DeadLetterReason reason() {
    return reason;
  }
}
