package io.doppel.topology.testing;

import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.topology.extract.Extraction;
import io.doppel.topology.extract.FeatureExtractor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A deterministic {@link FeatureExtractor} for topology tests: an image whose id starts with
 * {@value #CORRUPT_PREFIX} fails with CORRUPT, every other one gets {@link Samples#features}.
 * Records every batch it is given; can be told to fail as a whole (the model is gone).
 */
public final class ScriptedExtractor implements FeatureExtractor {

  public static final String CORRUPT_PREFIX = "corrupt-";

  private final List<List<String>> batches = new CopyOnWriteArrayList<>();
  private volatile boolean broken;

  @Override
  public List<Extraction> extract(List<UploadEvent> events) {
    if (broken) {
      throw new IllegalStateException("model unavailable (scripted)");
    }
    batches.add(events.stream().map(e -> e.getImageId().toString()).toList());
    List<Extraction> results = new ArrayList<>(events.size());
    for (UploadEvent event : events) {
      results.add(
          event.getImageId().toString().startsWith(CORRUPT_PREFIX)
              ? new Extraction.Failed(DeadLetterReason.CORRUPT, "not an image (scripted)")
              : new Extraction.Extracted(Samples.features(event)));
    }
    return results;
  }

  /** Image ids of each batch, in call order. */
  public List<List<String>> batches() {
    return List.copyOf(batches);
  }

  public void setBroken(boolean broken) {
    this.broken = broken;
  }
}
