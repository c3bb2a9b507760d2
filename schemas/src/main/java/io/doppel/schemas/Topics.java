package io.doppel.schemas;

import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.ReviewDecision;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.SchemaRegistry;
import io.doppel.schemas.serde.AvroSerde;
import java.util.List;

/**
 * Every Doppel topic in one table: its name and the serdes of its keys and values.
 *
 * <pre>
 * uploads ──extractor──► features ──matcher──► duplicates | violations | outcomes
 *        └──────────────────┴───────────────► dead-letters
 *                             review-feedback ─┘ (reviewers' decisions on reports)
 * </pre>
 *
 * Every upload ends as exactly one record on duplicates, violations, outcomes or dead-letters.
 * Review feedback is keyed by the reported image and read by every matcher instance in full.
 */
public record Topics(
    Topic<ImageKey, UploadEvent> uploads,
    Topic<ImageKey, ImageFeatures> features,
    Topic<ImageKey, MatchEvent> duplicates,
    Topic<ImageKey, MatchEvent> violations,
    Topic<ImageKey, MatchEvent> outcomes,
    Topic<ImageKey, DeadLetter> deadLetters,
    Topic<ImageKey, ReviewDecision> reviewFeedback) {

  public static final String UPLOADS = "doppel.uploads";
  public static final String FEATURES = "doppel.features";
  public static final String DUPLICATES = "doppel.duplicates";
  public static final String VIOLATIONS = "doppel.violations";
  public static final String OUTCOMES = "doppel.outcomes";
  public static final String DEAD_LETTERS = "doppel.dead-letters";
  public static final String REVIEW_FEEDBACK = "doppel.review-feedback";

  /** All topic names, in data-flow order. */
  public static final List<String> NAMES =
      List.of(UPLOADS, FEATURES, DUPLICATES, VIOLATIONS, OUTCOMES, DEAD_LETTERS, REVIEW_FEEDBACK);

  /** The topic table whose serdes register and resolve schemas in {@code registry}. */
  public static Topics using(SchemaRegistry registry) {
    return new Topics(
        topic(registry, UPLOADS, UploadEvent.class),
        topic(registry, FEATURES, ImageFeatures.class),
        topic(registry, DUPLICATES, MatchEvent.class),
        topic(registry, VIOLATIONS, MatchEvent.class),
        topic(registry, OUTCOMES, MatchEvent.class),
        topic(registry, DEAD_LETTERS, DeadLetter.class),
        topic(registry, REVIEW_FEEDBACK, ReviewDecision.class));
  }

  private static <V extends org.apache.avro.specific.SpecificRecord> Topic<ImageKey, V> topic(
      SchemaRegistry registry, String name, Class<V> valueType) {
    return new Topic<>(
        name,
        AvroSerde.forKeys(registry, ImageKey.class),
        AvroSerde.forValues(registry, valueType));
  }
}
