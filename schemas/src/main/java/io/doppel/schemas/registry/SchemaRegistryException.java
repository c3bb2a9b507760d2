package io.doppel.schemas.registry;

/** The registry refused a request or could not be reached; the message says which and why. */
public class SchemaRegistryException extends RuntimeException {
  public SchemaRegistryException(String message, Throwable cause) {
    super(message, cause);
  }
}
