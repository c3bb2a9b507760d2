package io.doppel.extractor.config;

/** The extractor's configuration is invalid; the message lists every problem found. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
