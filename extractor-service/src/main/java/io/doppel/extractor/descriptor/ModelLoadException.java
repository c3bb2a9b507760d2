package io.doppel.extractor.descriptor;

/** The model or its manifest is unusable; the extractor cannot start with it. */
public final class ModelLoadException extends RuntimeException {
  public ModelLoadException(String message) {
    super(message);
  }

  public ModelLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
