package io.doppel.standalone;

import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.schemas.testing.ApicurioRegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The real pipeline ({@link EmbeddedStack}: KRaft broker, extractor, matcher) on a real registry over HTTP (Apicurio),
 * with a policy granting one tenant one reference set to register into and match against, at thresholds of 0.5.
 */
record RegisteredTenantStack(
    ApicurioRegistryServer registryServer,
    String registryUrl,
    HttpSchemaRegistry registry,
    EmbeddedStack stack)
    implements AutoCloseable {

  static RegisteredTenantStack start(
      Path work, String policyVersion, String tenant, String referenceSet) throws IOException {
    ApicurioRegistryServer registryServer = ApicurioRegistryServer.start();
    HttpSchemaRegistry registry = null;
    try {
      String registryUrl = registryServer.ccompatUrl().toString();
      registry = new HttpSchemaRegistry(HttpSchemaRegistry.Settings.of(registryUrl));
      Path policy = Files.writeString(
          work.resolve("policy.yaml"),
          String.join(
              "\n",
              "version: " + policyVersion,
              "referenceSets: [" + referenceSet + "]",
              "defaults:",
              "  duplicateThreshold: 0.5",
              "  violationThreshold: 0.5",
              "  referenceSets: \"*\"",
              "  allow: {imageIds: [], rightsHolders: [], uploaders: []}",
              "  retroScanLookback: P30D",
              "tenants:",
              "  " + tenant + ": {referenceSets: [" + referenceSet + "], registers: ["
                  + referenceSet + "]}",
              ""));
      EmbeddedStack stack = EmbeddedStack.start(
          new StackOptions(
              work.resolve("stack"),
              List.of(),
              StackOptions.LUCENE,
              null,
              false,
              2,
              policy,
              null,
              Map.of()),
          registry);
      return new RegisteredTenantStack(registryServer, registryUrl, registry, stack);
    } catch (IOException | RuntimeException e) {
      if (registry != null) {
        registry.close();
      }
      registryServer.close();
      throw e;
    }
  }

  @Override
  public void close() {
    stack.close();
    registry.close();
    registryServer.close();
  }
}
