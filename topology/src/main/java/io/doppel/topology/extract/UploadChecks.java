package io.doppel.topology.extract;

import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import java.util.Optional;

/** What makes a decoded upload event invalid (dead letter INVALID_EVENT). Pure. */
public final class UploadChecks {

  private UploadChecks() {}

  /**
   * The first problem of {@code event} under {@code key}, or empty when it is valid:
   *
   * <pre>
   * valid(e, k) = nonBlank(e.tenant) ∧ nonBlank(e.imageId)
   *             ∧ k = (e.tenant, e.imageId)                       -- partitioning relies on it
   *             ∧ (e.purpose = DELETE ∨ (e.source ≠ null) ⊕ (e.inlineBytes ≠ null))
   * </pre>
   */
  public static Optional<String> problem(ImageKey key, UploadEvent event) {
    if (isBlank(event.getTenant()) || isBlank(event.getImageId())) {
      return Optional.of("tenant and imageId must not be blank");
    }
    if (!event.getTenant().toString().equals(key.getTenant().toString())
        || !event.getImageId().toString().equals(key.getImageId().toString())) {
      return Optional.of("key " + key.getTenant() + "/" + key.getImageId()
          + " does not match the event's " + event.getTenant() + "/" + event.getImageId());
    }
    if (event.getPurpose() == Purpose.DELETE) {
      return Optional.empty();
    }
    boolean hasSource = event.getSource() != null && !isBlank(event.getSource());
    boolean hasInline = event.getInlineBytes() != null;
    if (hasSource == hasInline) {
      return Optional.of(event.getPurpose() + " needs exactly one of source and inlineBytes, has "
          + (hasSource ? "both" : "neither"));
    }
    return Optional.empty();
  }

  private static boolean isBlank(CharSequence value) {
    return value == null || value.toString().isBlank();
  }
}
