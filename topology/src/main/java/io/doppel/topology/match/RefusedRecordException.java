package io.doppel.topology.match;

/**
 * Thrown by a {@link Matcher} for a record it must not act on, whatever the index says (a tenant registering works into
 * a reference set it was not granted): the record becomes a dead letter {@code INVALID_EVENT} with this message, and is
 * neither retried nor indexed.
 */
public class RefusedRecordException extends RuntimeException {

  public RefusedRecordException(String message) {
    super(message);
  }
}
