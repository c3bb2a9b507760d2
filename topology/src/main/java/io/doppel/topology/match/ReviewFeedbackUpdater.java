package io.doppel.topology.match;

import io.doppel.schemas.Topic;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.ReviewDecision;
import io.doppel.schemas.serde.MalformedRecordException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link ReviewSuppression} table from the review-feedback topic. Runs on the global
 * thread, also while restoring, so the table is rebuilt from the whole topic on every start.
 * A record that is not a decision is logged and skipped: a bad record must not stop the matcher.
 */
final class ReviewFeedbackUpdater implements Processor<byte[], byte[], Void, Void> {

  private static final Logger LOG = LoggerFactory.getLogger(ReviewFeedbackUpdater.class);

  private final Topic<ImageKey, ReviewDecision> feedback;
  private KeyValueStore<String, String> table;

  ReviewFeedbackUpdater(Topic<ImageKey, ReviewDecision> feedback) {
    this.feedback = feedback;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    this.table = context.getStateStore(ReviewSuppression.STORE);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    if (record.value() == null) {
      return;
    }
    ReviewDecision decision;
    try {
      decision = feedback.valueSerde().deserializer().deserialize(feedback.name(), record.value());
    } catch (MalformedRecordException e) {
      LOG.warn(
          "skipping a record on {} that is not a review decision: {}",
          feedback.name(),
          e.getMessage());
      return;
    }
    ReviewSuppression.entryOf(decision)
        .ifPresent(entry -> table.put(entry.key(), entry.action().name()));
  }
}
