package io.doppel.schemas.registry;

/** The registry holds no schema with the requested id (or subject). */
public class UnknownSchemaException extends SchemaRegistryException {
  public UnknownSchemaException(String message) {
    super(message, null);
  }
}
