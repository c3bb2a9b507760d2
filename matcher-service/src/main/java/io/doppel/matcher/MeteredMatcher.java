package io.doppel.matcher;

import io.doppel.matcher.retrieval.DualRetrievalMatcher;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.topology.match.Matcher;
import io.doppel.topology.ops.DoppelMeters;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Records what the matcher decides in the service's meters: the whole match in
 * {@code doppel_stage_seconds{stage="match"}}, the matcher's own stages (retrieve, verify, score,
 * index) from each event's stageMicros, and every event in {@code doppel_images_total{outcome}}
 * by decision (clean, duplicate, copyright_violation, registered, deleted). A match that throws
 * (index unavailable: the record is retried) counts nothing but its index errors.
 */
final class MeteredMatcher implements Matcher {

  static final String STAGE_MATCH = "match";
  /** The stages the matcher itself adds to stageMicros; the extractor's are its own service's. */
  static final List<String> MATCHER_STAGES = List.of(
      DualRetrievalMatcher.STAGE_RETRIEVE,
      DualRetrievalMatcher.STAGE_VERIFY,
      DualRetrievalMatcher.STAGE_SCORE,
      DualRetrievalMatcher.STAGE_INDEX);

  private static final long NANOS_PER_MICRO = 1_000;

  private final Matcher delegate;
  private final DoppelMeters meters;

  MeteredMatcher(Matcher delegate, DoppelMeters meters) {
    this.delegate = delegate;
    this.meters = meters;
  }

  @Override
  public List<MatchEvent> match(ImageFeatures features) {
    long started = System.nanoTime();
    List<MatchEvent> events = delegate.match(features);
    meters.stage(STAGE_MATCH).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    for (MatchEvent event : events) {
      meters.images(event.getDecision().name().toLowerCase(Locale.ROOT)).increment();
      event.getStageMicros().forEach((stage, micros) -> {
        if (MATCHER_STAGES.contains(stage)) {
          meters.stage(stage).record(Duration.ofNanos(micros * NANOS_PER_MICRO));
        }
      });
    }
    return events;
  }

  @Override
  public void commit() {
    delegate.commit();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
