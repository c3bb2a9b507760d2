package io.doppel.schemas.registry;

import java.util.OptionalInt;

/**
 * The registry refused a request or could not be reached; the message says which and why. When
 * the registry answered, {@link #httpStatus()} and {@link #errorCode()} carry its HTTP status and
 * Confluent {@code error_code} (e.g. 409 for an incompatible schema, 42201 for an invalid one).
 */
public class SchemaRegistryException extends RuntimeException {

  private final OptionalInt httpStatus;
  private final OptionalInt errorCode;

  public SchemaRegistryException(String message, Throwable cause) {
    this(message, cause, OptionalInt.empty(), OptionalInt.empty());
  }

  public SchemaRegistryException(
      String message, Throwable cause, OptionalInt httpStatus, OptionalInt errorCode) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  /** The HTTP status of the registry's answer; empty when no answer came (I/O error, timeout). */
  public OptionalInt httpStatus() {
    return httpStatus;
  }

  /** The Confluent {@code error_code} of the registry's answer, when it gave one. */
  public OptionalInt errorCode() {
    return errorCode;
  }
}
