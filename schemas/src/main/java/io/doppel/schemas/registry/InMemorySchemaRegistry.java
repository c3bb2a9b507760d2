package io.doppel.schemas.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * The embedded default: a registry that lives in this process. Ids are assigned from 1 in order of
 * first registration, one id per distinct schema across subjects, as Confluent's registry does.
 */
public final class InMemorySchemaRegistry implements SchemaRegistry {

  private final Map<Schema, Integer> idsBySchema = new HashMap<>();
  private final List<Schema> schemasById = new ArrayList<>();
  private final Map<String, List<Integer>> versionsBySubject = new HashMap<>();

  @Override
  public synchronized int register(String subject, Schema schema) {
    int id = idsBySchema.computeIfAbsent(schema, s -> {
      schemasById.add(s);
      return schemasById.size();
    });
    List<Integer> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
    if (!versions.contains(id)) {
      versions.add(id);
    }
    return id;
  }

  @Override
  public synchronized Schema schemaById(int id) {
    if (id < 1 || id > schemasById.size()) {
      throw new UnknownSchemaException("no schema with id " + id + " in the in-memory registry");
    }
    return schemasById.get(id - 1);
  }
}
