package io.doppel.extractor.service;

import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.topology.extract.Extraction;
import io.doppel.topology.extract.FeatureExtractor;
import io.doppel.topology.ops.DoppelMeters;
import java.time.Duration;
import java.util.List;

/**
 * Records what the extractor does in the service's meters: batch sizes per device, images by
 * outcome, and each image's per-stage time (from its features' stageMicros).
 */
final class MeteredExtractor implements FeatureExtractor {

  static final String EXTRACTED = "extracted";
  static final String FAILED = "failed";

  private final FeatureExtractor delegate;
  private final DoppelMeters meters;
  private final String device;

  MeteredExtractor(FeatureExtractor delegate, DoppelMeters meters, String device) {
    this.delegate = delegate;
    this.meters = meters;
    this.device = device;
  }

  @Override
  public List<Extraction> extract(List<io.doppel.schemas.avro.UploadEvent> events) {
    meters.batchSize(device).record(events.size());
    List<Extraction> results = delegate.extract(events);
    for (Extraction result : results) {
      if (result instanceof Extraction.Extracted extracted) {
        meters.images(EXTRACTED).increment();
        ImageFeatures features = extracted.features();
        features
            .getStageMicros()
            .forEach(
                (stage, micros) -> meters.stage(stage).record(Duration.ofNanos(micros * 1_000)));
      } else {
        meters.images(FAILED).increment();
      }
    }
    return results;
  }

  @Override
  public void close() {
    delegate.close();
  }
}
