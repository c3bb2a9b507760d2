package io.doppel.schemas.registry;

import org.apache.avro.Schema;

/**
 * The schema-registry port, as Confluent's serdes use it: register a schema under a subject and
 * get its global id; resolve an id back to its schema. Implementations cache both directions, so
 * after the first call per schema neither costs a round trip.
 */
public interface SchemaRegistry {

  /** Registers {@code schema} under {@code subject} (idempotent) and returns its global id. */
  int register(String subject, Schema schema);

  /** The schema with global id {@code id}; throws {@link UnknownSchemaException} if none. */
  Schema schemaById(int id);
}
