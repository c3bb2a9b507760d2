package io.doppel.schemas.registry;

class InMemorySchemaRegistryContractTest extends SchemaRegistryContract {

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

  @Override
  protected SchemaRegistry registry() {
    return registry;
  }

  @Override
  protected SchemaRegistry anotherClient() {
    return registry;
  }
}
