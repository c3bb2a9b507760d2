package io.doppel.matcher.index;

import io.doppel.topology.match.DependencyUnavailableException;

/** The index backend cannot be reached or refused a request; callers must not decide without it. */
public class IndexUnavailableException extends DependencyUnavailableException {
  public IndexUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
