package io.doppel.matcher.retrieval;

/** An ImageFeatures record the matcher cannot use (missing views, inconsistent arrays, another model); dead-letter it. */
public class InvalidFeaturesException extends IllegalArgumentException {
  public InvalidFeaturesException(String message) {
    super(message);
  }

  public InvalidFeaturesException(String message, Throwable cause) {
    super(message, cause);
  }
}
