package io.doppel.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.schemas.serde.MalformedRecordException.Kind;
import io.doppel.schemas.testing.ApicurioRegistryExtension;
import io.doppel.schemas.testing.ApicurioRegistryServer;
import io.doppel.schemas.testing.ReleasedSchemas;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The serde's bytes against a real registry and Avro's own generic reader and writer, which know
 * nothing of the serde: the Confluent wire format is {@code 0x00}, the schema id as a big-endian
 * int32, then the record in plain Avro binary. Anything that follows that framing, such as
 * Confluent's KafkaAvroSerializer, reads and writes the same bytes.
 */
@ExtendWith(ApicurioRegistryExtension.class)
class WireFormatIT {

  private static final int UNUSED_ID = 1_999_999_999;
  private static final Instant UPLOADED_AT = Instant.parse("2026-11-22T04:00:00.123Z");

  private final ApicurioRegistryServer server;
  private final HttpSchemaRegistry registry;
  private final AvroSerde<UploadEvent> values;
  private final AvroSerde<ImageKey> keys;
  private final String topic = "wire-" + UUID.randomUUID();

  WireFormatIT(ApicurioRegistryServer server) {
    this.server = server;
    this.registry = new HttpSchemaRegistry(
        HttpSchemaRegistry.Settings.of(server.ccompatUrl().toString()));
    this.values = AvroSerde.forValues(registry, UploadEvent.class);
    this.keys = AvroSerde.forKeys(registry, ImageKey.class);
  }

  @AfterEach
  void closeClient() {
    registry.close();
  }

  @Test
  void serdeBytesAreMagicByteThenBigEndianIdThenPlainAvroBinary() throws IOException {
    byte[] bytes = values.serialize(topic, upload());

    // the id the .avsc's own schema (as any language's client parses it) gets: the serde registers
    // that, not the
    // generated class's Java flavour
    int id = registry.register(topic + "-value", avscSchema("UploadEvent"));
    byte[] expected = frame(
        id, avroBinary(UploadEvent.getClassSchema(), genericUpload(UploadEvent.getClassSchema())));
    assertThat(bytes).isEqualTo(expected);
    assertThat(bytes[0]).isZero();
    assertThat(Arrays.copyOfRange(bytes, 1, 5))
        .isEqualTo(
            new byte[] {(byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
  }

  @Test
  void aPlainAvroDecoderReadsSerdeBytesWithTheSchemaFetchedById() throws IOException {
    byte[] bytes = values.serialize(topic, upload());

    int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    Schema writerSchema = new Schema.Parser().parse(fetchSchemaText(id));
    GenericRecord decoded = new GenericDatumReader<GenericRecord>(writerSchema)
        .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));

    assertThat(decoded.get("tenant")).hasToString("tenant-a");
    assertThat(decoded.get("imageId")).hasToString("img-1");
    assertThat(decoded.get("purpose")).hasToString("UPLOAD");
    assertThat(decoded.get("source")).hasToString("https://cdn.example/img-1.jpg");
    assertThat(decoded.get("inlineBytes")).isNull();
    assertThat(decoded.get("uploadedAt")).isEqualTo(UPLOADED_AT.toEpochMilli());
  }

  @Test
  void theSerdeReadsHandFramedPlainAvro() throws IOException {
    Schema schema = new Schema.Parser().parse(UploadEvent.getClassSchema().toString());
    int id = registry.register(topic + "-value", schema);
    byte[] bytes = frame(id, avroBinary(schema, genericUpload(schema)));

    assertThat(values.deserialize(topic, bytes)).isEqualTo(upload());
  }

  @Test
  void theSerdeRegistersTheAvscSchemaSoOtherLanguagesClientsGetTheSameIds() throws IOException {
    ImageKey key = new ImageKey("tenant-a", "img-1");
    byte[] keyBytes = keys.serialize(topic, key);
    byte[] valueBytes = values.serialize(topic, upload());

    assertThat(ByteBuffer.wrap(keyBytes, 1, 4).getInt())
        .isEqualTo(registry.register(topic + "-key", avscSchema("ImageKey")));
    assertThat(ByteBuffer.wrap(valueBytes, 1, 4).getInt())
        .isEqualTo(registry.register(topic + "-value", avscSchema("UploadEvent")));
    assertThat(
            getJson("/subjects/" + topic + "-key/versions/latest").get("schema").asText())
        .doesNotContain("avro.java");
    // the generated class's schema is another schema to a registry: registering that would give one
    // record two ids
    assertThat(registry.register(topic + "-key", ImageKey.getClassSchema()))
        .isNotEqualTo(ByteBuffer.wrap(keyBytes, 1, 4).getInt());
  }

  /** The named record as src/main/avro's files define it (common.avsc's types first), parsed by plain Avro. */
  private static Schema avscSchema(String name) throws IOException {
    Path avro = Path.of("src", "main", "avro");
    Schema.Parser parser = new Schema.Parser();
    parser.parse(Files.readString(avro.resolve("common.avsc")));
    try (var files = Files.list(avro)) {
      for (Path file : files
          .filter(f -> !f.getFileName().toString().equals("common.avsc"))
          .sorted()
          .toList()) {
        parser.parse(Files.readString(file));
      }
    }
    return parser.getTypes().get("io.doppel.schemas.avro." + name);
  }

  @Test
  void keysUseTheKeySubjectAndTheSameFraming() throws IOException {
    ImageKey key = new ImageKey("tenant-a", "img-1");
    byte[] bytes = keys.serialize(topic, key);

    JsonNode latest = getJson("/subjects/" + topic + "-key/versions/latest");
    int id = latest.get("id").intValue();
    GenericRecord generic = new GenericRecordBuilder(ImageKey.getClassSchema())
        .set("tenant", "tenant-a")
        .set("imageId", "img-1")
        .build();
    assertThat(bytes).isEqualTo(frame(id, avroBinary(ImageKey.getClassSchema(), generic)));
    assertThat(keys.deserialize(topic, bytes)).isEqualTo(key);
    assertThat(subjects()).contains(topic + "-key").doesNotContain(topic + "-value");
  }

  @Test
  void aWrongMagicByteIsMalformed() {
    byte[] bytes = values.serialize(topic, upload());
    bytes[0] = 1;
    assertMalformed(bytes, Kind.BAD_MAGIC_BYTE);
  }

  @Test
  void anUnknownSchemaIdIsMalformed() throws IOException {
    byte[] body =
        avroBinary(UploadEvent.getClassSchema(), genericUpload(UploadEvent.getClassSchema()));
    assertMalformed(frame(UNUSED_ID, body), Kind.UNKNOWN_SCHEMA_ID);
  }

  @Test
  void aTruncatedRecordIsMalformed() {
    byte[] bytes = values.serialize(topic, upload());
    assertMalformed(Arrays.copyOf(bytes, bytes.length - 3), Kind.TRUNCATED);
    assertMalformed(Arrays.copyOf(bytes, 3), Kind.TRUNCATED);
  }

  @Test
  void emptyBytesAreMalformed() {
    assertMalformed(new byte[0], Kind.EMPTY);
  }

  @Test
  void aRecordOfAnotherTypeIsMalformed() {
    byte[] keyBytes = keys.serialize(topic, new ImageKey("tenant-a", "img-1"));
    assertMalformed(keyBytes, Kind.UNREADABLE);
  }

  @Test
  void trailingBytesAreMalformed() {
    byte[] bytes = values.serialize(topic, upload());
    assertMalformed(Arrays.copyOf(bytes, bytes.length + 2), Kind.UNREADABLE);
  }

  @Test
  void aRecordWrittenWithTheReleasedSchemaReadsIntoTheCurrentClass() throws IOException {
    Schema released = ReleasedSchemas.schema(
        ReleasedSchemas.latestVersion(), UploadEvent.getClassSchema().getFullName());
    int id = registry.register(topic + "-value", released);

    UploadEvent read =
        values.deserialize(topic, frame(id, avroBinary(released, genericUpload(released))));

    assertThat(read).isEqualTo(upload());
  }

  @Test
  void aRecordWrittenWithAnOlderSchemaLackingOptionalFieldsReadsWithTheirDefaults()
      throws IOException {
    Schema older =
        withoutFields(UploadEvent.getClassSchema(), List.of("contentType", "referenceSet"));
    int id = registry.register(topic + "-value", older);
    assertThat(id).isNotEqualTo(registry.register(topic + "-value", UploadEvent.getClassSchema()));

    UploadEvent read =
        values.deserialize(topic, frame(id, avroBinary(older, genericUpload(older))));

    assertThat(read.getContentType()).isNull();
    assertThat(read.getReferenceSet()).isNull();
    assertThat(read.getTenant()).isEqualTo("tenant-a");
    assertThat(read.getUploadedAt()).isEqualTo(UPLOADED_AT);
  }

  @Test
  void readsAreSpecificRecordsBecauseTheAvroPackageIsTrusted() {
    // Avro 1.12 only instantiates classes in org.apache.avro.SERIALIZABLE_PACKAGES; set in the root
    // pom.
    assertThat(System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES"))
        .contains("io.doppel.schemas.avro");
    Object read = values.deserialize(topic, values.serialize(topic, upload()));
    assertThat(read).isInstanceOf(UploadEvent.class);
  }

  private void assertMalformed(byte[] bytes, Kind kind) {
    assertThatThrownBy(() -> values.deserialize(topic, bytes))
        .isInstanceOfSatisfying(
            MalformedRecordException.class, e -> assertThat(e.kind()).isEqualTo(kind))
        .hasMessageContaining(topic);
  }

  private static UploadEvent upload() {
    return UploadEvent.newBuilder()
        .setTenant("tenant-a")
        .setImageId("img-1")
        .setPurpose(Purpose.UPLOAD)
        .setUploader("user-7")
        .setSource("https://cdn.example/img-1.jpg")
        .setUploadedAt(UPLOADED_AT)
        .build();
  }

  /** The same event built without generated code, for Avro's generic writer. */
  private static GenericRecord genericUpload(Schema schema) {
    GenericRecordBuilder builder = new GenericRecordBuilder(schema)
        .set("tenant", "tenant-a")
        .set("imageId", "img-1")
        .set("purpose", new GenericData.EnumSymbol(schema.getField("purpose").schema(), "UPLOAD"))
        .set("uploader", "user-7")
        .set("source", "https://cdn.example/img-1.jpg")
        .set("uploadedAt", UPLOADED_AT.toEpochMilli());
    return builder.build();
  }

  private static byte[] avroBinary(Schema schema, GenericRecord record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private static byte[] frame(int id, byte[] avroBinary) {
    return ByteBuffer.allocate(5 + avroBinary.length)
        .put((byte) 0)
        .putInt(id)
        .put(avroBinary)
        .array();
  }

  /** A copy of {@code schema} as an earlier release might have had it, without {@code dropped}. */
  private static Schema withoutFields(Schema schema, List<String> dropped) {
    List<Schema.Field> kept = schema.getFields().stream()
        .filter(field -> !dropped.contains(field.name()))
        .map(field -> new Schema.Field(field, field.schema()))
        .collect(Collectors.toList());
    return Schema.createRecord(
        schema.getName(), schema.getDoc(), schema.getNamespace(), false, kept);
  }

  private String fetchSchemaText(int id) {
    return getJson("/schemas/ids/" + id).get("schema").textValue();
  }

  private List<String> subjects() {
    JsonNode list = getJson("/subjects");
    return java.util.stream.StreamSupport.stream(list.spliterator(), false)
        .map(JsonNode::textValue)
        .toList();
  }

  /** A raw GET on the registry's Confluent API, bypassing the client under test. */
  private JsonNode getJson(String path) {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response = http.send(
          HttpRequest.newBuilder(URI.create(server.ccompatUrl() + path)).GET().build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
      return new ObjectMapper().readTree(response.body());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
