package io.doppel.schemas.registry;

import io.doppel.schemas.testing.ApicurioRegistryExtension;
import io.doppel.schemas.testing.ApicurioRegistryServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** The HTTP client against a real Confluent-compatible registry (Apicurio's ccompat API). */
@ExtendWith(ApicurioRegistryExtension.class)
class HttpSchemaRegistryContractIT extends SchemaRegistryContract {

  private final HttpSchemaRegistry registry;
  private final HttpSchemaRegistry anotherClient;

  HttpSchemaRegistryContractIT(ApicurioRegistryServer server) {
    HttpSchemaRegistry.Settings settings =
        HttpSchemaRegistry.Settings.of(server.ccompatUrl().toString());
    this.registry = new HttpSchemaRegistry(settings);
    this.anotherClient = new HttpSchemaRegistry(settings);
  }

  @AfterEach
  void closeClients() {
    registry.close();
    anotherClient.close();
  }

  @Override
  protected SchemaRegistry registry() {
    return registry;
  }

  @Override
  protected SchemaRegistry anotherClient() {
    return anotherClient;
  }
}
