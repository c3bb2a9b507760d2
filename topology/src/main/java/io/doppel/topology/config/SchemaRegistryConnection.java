package io.doppel.topology.config;

import io.doppel.schemas.registry.HttpSchemaRegistry;

/**
 * How a program reaches the schema registry: {@code schema-registry.url} and the secret {@code schema-registry.auth}
 * ({@code user:password}, or {@code Bearer } and a token; see {@link HttpSchemaRegistry.Auth#parse}).
 */
public final class SchemaRegistryConnection {

  public static final String URL = "schema-registry.url";
  public static final String AUTH = "schema-registry.auth";

  private SchemaRegistryConnection() {}

  /** The client settings; null (with a problem recorded) when the URL is missing or invalid. */
  public static HttpSchemaRegistry.Settings read(ConfigReader reader) {
    String url = reader.required(URL);
    String auth = reader.secret(AUTH);
    if (url == null) {
      return null;
    }
    return reader.build(
        reader.describe(URL), () -> HttpSchemaRegistry.Settings.of(url).withAuth(parseAuth(auth)));
  }

  /** Like {@link #read}, but an unset URL is no problem: null. */
  public static HttpSchemaRegistry.Settings readOptional(ConfigReader reader) {
    String url = reader.string(URL, null);
    String auth = reader.secret(AUTH);
    if (url == null) {
      return null;
    }
    return reader.build(
        reader.describe(URL), () -> HttpSchemaRegistry.Settings.of(url).withAuth(parseAuth(auth)));
  }

  private static HttpSchemaRegistry.Auth parseAuth(String auth) {
    try {
      return HttpSchemaRegistry.Auth.parse(auth);
    } catch (IllegalArgumentException e) {
      // the message of a malformed secret must not quote it
      throw new IllegalArgumentException(AUTH + " must be user:password or 'Bearer <token>'");
    }
  }
}
