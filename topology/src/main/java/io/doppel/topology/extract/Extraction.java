package io.doppel.topology.extract;

import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.ImageFeatures;
import java.util.Objects;

/** The result of extracting one upload: its features, or why it has none. */
public sealed interface Extraction {

  record Extracted(ImageFeatures features) implements Extraction {
    public Extracted {
      Objects.requireNonNull(features, "features");
    }
  }

  record Failed(DeadLetterReason reason, String detail) implements Extraction {
    public Failed {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(detail, "detail");
    }
  }
}
