package io.doppel.schemas.evolution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.schemas.registry.SchemaRegistryException;
import io.doppel.schemas.testing.ApicurioRegistryExtension;
import io.doppel.schemas.testing.ApicurioRegistryServer;
import io.doppel.schemas.testing.ReleasedSchemas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaPairCompatibility;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every current schema must be BACKWARD compatible with the latest release: a consumer built from
 * today's classes reads everything written with the released schemas. Releasing copies
 * {@code src/main/avro} to {@code src/test/resources/released/N+1}, which then becomes the bar.
 */
@ExtendWith(ApicurioRegistryExtension.class)
class SchemaEvolutionIT {

  private static final int LATEST = ReleasedSchemas.latestVersion();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The named types of the latest release whose generated class is the current schema. */
  static Stream<String> releasedTypes() {
    return ReleasedSchemas.load(LATEST).keySet().stream().sorted();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("releasedTypes")
  void currentSchemaReadsTheLatestRelease(String fullName) {
    Schema released = ReleasedSchemas.schema(LATEST, fullName);
    Schema current = currentSchema(fullName);

    SchemaPairCompatibility result =
        SchemaCompatibility.checkReaderWriterCompatibility(current, released);

    assertThat(result.getType())
        .as(
            "%s is not BACKWARD compatible with release %d: %s",
            fullName, LATEST, result.getResult().getIncompatibilities())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  @Test
  void theCheckCatchesANewFieldWithoutADefault() {
    Schema released =
        ReleasedSchemas.schema(LATEST, UploadEvent.getClassSchema().getFullName());
    Schema broken = withExtraField(UploadEvent.getClassSchema(), "region", null);

    SchemaPairCompatibility result =
        SchemaCompatibility.checkReaderWriterCompatibility(broken, released);

    assertThat(result.getType()).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    assertThat(result.getResult().getIncompatibilities())
        .anySatisfy(incompatibility -> assertThat(incompatibility.getMessage()).contains("region"));
  }

  @Test
  void theCheckAcceptsANewFieldWithADefault() {
    Schema released =
        ReleasedSchemas.schema(LATEST, UploadEvent.getClassSchema().getFullName());
    Schema evolved = withExtraField(UploadEvent.getClassSchema(), "region", "eu");

    assertThat(SchemaCompatibility.checkReaderWriterCompatibility(evolved, released)
            .getType())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  @Test
  void theRegistryAgreesUnderBackwardCompatibility(ApicurioRegistryServer server) {
    String subject = "evolution-" + UUID.randomUUID() + "-value";
    Schema released =
        ReleasedSchemas.schema(LATEST, UploadEvent.getClassSchema().getFullName());
    try (HttpSchemaRegistry registry = new HttpSchemaRegistry(
        HttpSchemaRegistry.Settings.of(server.ccompatUrl().toString()))) {
      registry.register(subject, released);
      put(server, "/config/" + subject, "{\"compatibility\":\"BACKWARD\"}");

      assertThat(isCompatible(server, subject, UploadEvent.getClassSchema())).isTrue();
      assertThat(isCompatible(
              server, subject, withExtraField(UploadEvent.getClassSchema(), "region", "eu")))
          .isTrue();
      Schema broken = withExtraField(UploadEvent.getClassSchema(), "region", null);
      assertThat(isCompatible(server, subject, broken)).isFalse();

      assertThatThrownBy(() -> registry.register(subject, broken))
          .isInstanceOfSatisfying(
              SchemaRegistryException.class, e -> assertThat(e.httpStatus()).hasValue(409))
          .hasMessageContaining(subject);
    }
  }

  private static Schema currentSchema(String fullName) {
    try {
      return SpecificData.get().getSchema(Class.forName(fullName));
    } catch (ClassNotFoundException e) {
      throw new AssertionError(
          fullName + " was released but has no generated class now: removing a type is a"
              + " breaking change",
          e);
    }
  }

  /** {@code schema} plus a string field; without a default when {@code defaultValue} is null. */
  private static Schema withExtraField(Schema schema, String name, String defaultValue) {
    List<Schema.Field> fields = new ArrayList<>();
    schema.getFields().forEach(field -> fields.add(new Schema.Field(field, field.schema())));
    fields.add(
        defaultValue == null
            ? new Schema.Field(name, Schema.create(Schema.Type.STRING))
            : new Schema.Field(name, Schema.create(Schema.Type.STRING), null, defaultValue));
    return Schema.createRecord(
        schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
  }

  private static boolean isCompatible(
      ApicurioRegistryServer server, String subject, Schema candidate) {
    JsonNode answer = send(
        server,
        "POST",
        "/compatibility/subjects/" + subject + "/versions/latest",
        jsonBody(candidate));
    return answer.get("is_compatible").booleanValue();
  }

  private static void put(ApicurioRegistryServer server, String path, String body) {
    send(server, "PUT", path, body);
  }

  private static String jsonBody(Schema schema) {
    try {
      return JSON.writeValueAsString(Map.of("schema", schema.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode send(
      ApicurioRegistryServer server, String method, String path, String body) {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(URI.create(server.ccompatUrl() + path))
              .header("Content-Type", HttpSchemaRegistry.CONTENT_TYPE)
              .method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
              .build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      assertThat(response.statusCode())
          .as("%s %s: %s", method, path, response.body())
          .isEqualTo(200);
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
