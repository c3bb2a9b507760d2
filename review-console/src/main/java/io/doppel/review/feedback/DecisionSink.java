package io.doppel.review.feedback;

import io.doppel.schemas.avro.ReviewDecision;

/** Where reviewers' decisions go: the review-feedback topic in production. */
public interface DecisionSink extends AutoCloseable {

  /** Returns once the decision is durably recorded; throws if it could not be. */
  void publish(ReviewDecision decision);

  @Override
  default void close() {}
}
