package io.doppel.topology.extract;

import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.topology.intake.Fields;
import java.util.Optional;
import java.util.stream.Stream;

/** What makes a decoded upload event invalid (dead letter INVALID_EVENT). Pure. */
public final class UploadChecks {

  private UploadChecks() {}

  /**
   * The first problem of {@code event} under {@code key}, or empty when it is valid:
   *
   * <pre>
   * valid(e, k) = nonBlank(e.tenant) ∧ nonBlank(e.imageId)
   *             ∧ Fields.name(f) for f ∈ {tenant, imageId, uploader, rightsHolder, referenceSet}
   *             ∧ Fields.source(e.source) ∧ Fields.contentType(e.contentType)
   *             ∧ k = (e.tenant, e.imageId)                       -- partitioning relies on it
   *             ∧ (e.purpose = DELETE ∨ (e.source ≠ null) ⊕ (e.inlineBytes ≠ null))
   * </pre>
   *
   * A problem's text quotes values through {@link Fields#shown}, so it stays short whatever the event holds.
   */
  public static Optional<String> problem(ImageKey key, UploadEvent event) {
    if (isBlank(event.getTenant()) || isBlank(event.getImageId())) {
      return Optional.of("tenant and imageId must not be blank");
    }
    Optional<String> field = Stream.of(
            Fields.nameProblem("tenant", event.getTenant()),
            Fields.nameProblem("imageId", event.getImageId()),
            Fields.nameProblem("uploader", event.getUploader()),
            Fields.nameProblem("rightsHolder", event.getRightsHolder()),
            Fields.nameProblem("referenceSet", event.getReferenceSet()),
            Fields.sourceProblem(event.getSource()),
            Fields.contentTypeProblem(event.getContentType()))
        .flatMap(Optional::stream)
        .findFirst();
    if (field.isPresent()) {
      return field;
    }
    if (!event.getTenant().toString().equals(key.getTenant().toString())
        || !event.getImageId().toString().equals(key.getImageId().toString())) {
      return Optional.of(
          "key " + Fields.shown(key.getTenant()) + "/" + Fields.shown(key.getImageId())
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
