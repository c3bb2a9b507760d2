package io.doppel.topology.match;

/**
 * A dependency the decision needs (the vector index) cannot be reached. The topology must not
 * skip the record: it retries, and if that fails, lets the stream thread be replaced with the
 * record's offset uncommitted, so the record is processed again once the dependency is back.
 */
public class DependencyUnavailableException extends RuntimeException {
  public DependencyUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
