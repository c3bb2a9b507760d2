package io.doppel.schemas.registry;

import java.util.OptionalInt;

/** The registry holds no schema with the requested id (or subject). */
public class UnknownSchemaException extends SchemaRegistryException {
  public UnknownSchemaException(String message) {
    super(message, null);
  }

  public UnknownSchemaException(String message, OptionalInt httpStatus, OptionalInt errorCode) {
    super(message, null, httpStatus, errorCode);
  }
}
