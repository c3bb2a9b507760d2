package io.doppel.matcher.reindex;

import io.doppel.matcher.index.ImageRef;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import java.util.Objects;

/**
 * One original to re-index: its upload event (the image's source, purpose, rights holder, time),
 * or {@code null} for a tombstone, which removes the image from the new index.
 */
public record ReindexItem(ImageRef ref, UploadEvent event) {

  public ReindexItem {
    Objects.requireNonNull(ref, "ref");
  }

  /** A tombstone or a DELETE event: the image must not be in the new index. */
  public boolean isDeletion() {
    return event == null || event.getPurpose() == Purpose.DELETE;
  }
}
