package io.doppel.schemas.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a real Apicurio Registry, started once per test JVM and stopped when the test plan
 * ends (and by a shutdown hook if the JVM dies first). Use with {@code @ExtendWith} and take an
 * {@link ApicurioRegistryServer} parameter in a constructor, a {@code @BeforeAll} or a test.
 */
public final class ApicurioRegistryExtension implements ParameterResolver {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(ApicurioRegistryExtension.class);

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == ApicurioRegistryServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return server(context);
  }

  /** The shared server; the root store closes it when every test has run. */
  public static ApicurioRegistryServer server(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(
            ApicurioRegistryServer.class,
            type -> ApicurioRegistryServer.start(),
            ApicurioRegistryServer.class);
  }
}
