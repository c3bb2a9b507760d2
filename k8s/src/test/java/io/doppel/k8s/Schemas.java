package io.doppel.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The vendored schemas of one Kubernetes version plus the CRDs of the operator versions Doppel
 * targets (src/test/resources/schemas, README there): every object is validated strictly, unknown
 * fields rejected, and an apiVersion/kind that no schema serves is an error of its own.
 */
final class Schemas {

  /** The Kubernetes minor versions the manifests must be valid for. */
  static final List<String> KUBERNETES_VERSIONS = List.of("v1.31", "v1.32", "v1.33");

  /** The CRD bundles, named after the operator release they were taken from. */
  static final List<String> CRD_BUNDLES = List.of(
      "strimzi-1.2.0", "keda-2.20.2", "milvus-operator-1.3.8", "prometheus-operator-0.93.0");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SCHEMA_2020_12 = "https://json-schema.org/draft/2020-12/schema";
  private static final Map<String, Schemas> LOADED = new ConcurrentHashMap<>();

  private final String kubernetesVersion;
  private final ObjectNode definitions;
  /** "apiVersion kind" → the definition that validates it. */
  private final Map<String, String> kinds = new TreeMap<>();

  private final Map<String, JsonSchema> compiled = new ConcurrentHashMap<>();
  private final JsonSchemaFactory factory =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
  private final SchemaValidatorsConfig config =
      SchemaValidatorsConfig.builder().formatAssertionsEnabled(false).build();

  private Schemas(String kubernetesVersion) {
    this.kubernetesVersion = kubernetesVersion;
    JsonNode kubernetes = read("/schemas/kubernetes/" + kubernetesVersion + ".json");
    definitions = ((ObjectNode) kubernetes.path("$defs")).deepCopy();
    kubernetes.path("kinds").properties().forEach(entry -> {
      String key = entry.getKey();
      int slash = key.lastIndexOf('/');
      kinds.put(
          key.substring(0, slash) + " " + key.substring(slash + 1),
          entry.getValue().asText());
    });
    for (String bundle : CRD_BUNDLES) {
      for (JsonNode crd : read("/schemas/crds/" + bundle + ".json").path("crds")) {
        crd.path("versions").properties().forEach(version -> {
          String apiVersion = crd.path("group").asText() + "/" + version.getKey();
          String name = "crd." + bundle + "." + apiVersion.replace('/', '.') + "."
              + crd.path("kind").asText();
          definitions.set(name, version.getValue().path("schema"));
          kinds.put(apiVersion + " " + crd.path("kind").asText(), name);
        });
      }
    }
  }

  static Schemas forKubernetes(String version) {
    return LOADED.computeIfAbsent(version, Schemas::new);
  }

  String kubernetesVersion() {
    return kubernetesVersion;
  }

  /** "apiVersion kind" of everything this version and the vendored CRDs serve. */
  java.util.Set<String> servedKinds() {
    return kinds.keySet();
  }

  /** Every violation of {@code object}; empty when it is valid. */
  List<String> validate(JsonNode object) {
    String apiVersion = object.path("apiVersion").asText();
    String kind = object.path("kind").asText();
    String where = kind + "/" + object.at("/metadata/name").asText() + " (" + apiVersion + ")";
    String definition = kinds.get(apiVersion + " " + kind);
    if (definition == null) {
      return List.of(where + ": no schema serves apiVersion " + apiVersion + " kind " + kind
          + " in Kubernetes " + kubernetesVersion + " with " + CRD_BUNDLES
          + " (\"no matches for kind\" on apply)");
    }
    JsonSchema schema = compiled.computeIfAbsent(definition, this::compile);
    List<String> errors = new ArrayList<>();
    for (ValidationMessage message : schema.validate(object)) {
      errors.add(where + ": " + message.getMessage());
    }
    return errors;
  }

  private JsonSchema compile(String definition) {
    ObjectNode root = JSON.createObjectNode();
    root.put("$schema", SCHEMA_2020_12);
    root.set("$defs", definitions);
    root.put("$ref", "#/$defs/" + escape(definition));
    return factory.getSchema(root, config);
  }

  /** A JSON pointer token: '~' and '/' escaped. */
  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  private static JsonNode read(String resource) {
    try (InputStream in = Schemas.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + resource);
      }
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
