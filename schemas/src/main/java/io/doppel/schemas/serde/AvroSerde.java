package io.doppel.schemas.serde;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.doppel.schemas.registry.SchemaRegistry;
import io.doppel.schemas.registry.UnknownSchemaException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Avro SpecificRecords in the Confluent wire format, byte for byte what KafkaAvroSerializer writes:
 *
 * <pre>
 * [0x00][schema id: 4 bytes, big-endian][Avro binary of the record]
 * </pre>
 *
 * Schemas are registered under TopicNameStrategy subjects ({@code <topic>-key} or
 * {@code <topic>-value}), in their language-neutral form ({@link #registeredForm}): the .avsc's schema, without the
 * {@code avro.java.*} properties of the generated classes, so that a Python, Go or C# client that registers the .avsc
 * gets the same id and writes the same key bytes for the same image. Reading resolves the writer's schema by id and
 * decodes into the reader's (generated) schema, so records written with any BACKWARD-compatible older schema read.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

  static final byte MAGIC_BYTE = 0;
  static final int HEADER_BYTES = 5;
  private static final String JAVA_PROPERTY_PREFIX = "avro.java.";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SchemaRegistry registry;
  private final Schema readerSchema;
  private final Schema registeredSchema;
  private final boolean forKeys;
  private final SpecificDatumWriter<T> writer;
  private final Map<String, Integer> idsBySubject = new ConcurrentHashMap<>();
  private final Map<Integer, SpecificDatumReader<T>> readersByWriterId = new ConcurrentHashMap<>();

  private AvroSerde(SchemaRegistry registry, Class<T> type, boolean forKeys) {
    ContractClassTrust.ensureTrusted(type);
    this.registry = registry;
    this.readerSchema = SpecificData.get().getSchema(type);
    this.registeredSchema = registeredForm(readerSchema);
    this.forKeys = forKeys;
    this.writer = new SpecificDatumWriter<>(readerSchema);
  }

  public static <T extends SpecificRecord> AvroSerde<T> forKeys(
      SchemaRegistry registry, Class<T> type) {
    return new AvroSerde<>(registry, type, true);
  }

  public static <T extends SpecificRecord> AvroSerde<T> forValues(
      SchemaRegistry registry, Class<T> type) {
    return new AvroSerde<>(registry, type, false);
  }

  /** TopicNameStrategy: the subject Confluent's serializer uses for this topic. */
  public String subject(String topic) {
    return topic + (forKeys ? "-key" : "-value");
  }

  /**
   * {@code schema} as other languages' clients register it: without the Java-only {@code avro.java.*} properties
   * (such as {@code avro.java.string}) that Avro's code generator adds. Registries tell schemas apart by those
   * properties, so registering the generated class's schema (as Confluent's Java serializer does unless
   * {@code avro.remove.java.properties} is set) would give the same record two ids, and one image two different key
   * byte strings on a topic where non-Java producers write too. Binary encoding does not depend on them.
   */
  public static Schema registeredForm(Schema schema) {
    try {
      JsonNode tree = JSON.readTree(schema.toString());
      removeJavaProperties(tree);
      return new Schema.Parser().parse(JSON.writeValueAsString(tree));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot rewrite the schema of " + schema.getFullName(), e);
    }
  }

  private static void removeJavaProperties(JsonNode node) {
    if (node instanceof ObjectNode object) {
      object.remove(object.properties().stream()
          .map(Map.Entry::getKey)
          .filter(name -> name.startsWith(JAVA_PROPERTY_PREFIX))
          .toList());
    }
    node.forEach(AvroSerde::removeJavaProperties);
  }

  public byte[] serialize(String topic, T record) {
    if (record == null) {
      return null;
    }
    int id =
        idsBySubject.computeIfAbsent(subject(topic), s -> registry.register(s, registeredSchema));
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.write(MAGIC_BYTE);
    out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      writer.write(record, encoder);
      encoder.flush();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "cannot write " + readerSchema.getFullName() + " for " + topic, e);
    }
    return out.toByteArray();
  }

  /** Decodes framed bytes; throws {@link MalformedRecordException} for anything that isn't one. */
  public T deserialize(String topic, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    if (bytes.length == 0) {
      throw new MalformedRecordException(
          MalformedRecordException.Kind.EMPTY, "no bytes on " + topic, null);
    }
    if (bytes[0] != MAGIC_BYTE) {
      throw new MalformedRecordException(
          MalformedRecordException.Kind.BAD_MAGIC_BYTE,
          "first byte is " + bytes[0] + ", not 0, on " + topic,
          null);
    }
    if (bytes.length < HEADER_BYTES) {
      throw new MalformedRecordException(
          MalformedRecordException.Kind.TRUNCATED,
          bytes.length + " bytes is shorter than the 5-byte header, on " + topic,
          null);
    }
    int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    SpecificDatumReader<T> reader = readerFor(id, topic);
    BinaryDecoder decoder =
        DecoderFactory.get().binaryDecoder(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES, null);
    try {
      T record = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new MalformedRecordException(
            MalformedRecordException.Kind.UNREADABLE,
            "trailing bytes after the record, on " + topic,
            null);
      }
      return record;
    } catch (EOFException e) {
      throw new MalformedRecordException(
          MalformedRecordException.Kind.TRUNCATED,
          "record ends early (schema id " + id + "), on " + topic,
          e);
    } catch (IOException | RuntimeException e) {
      if (e instanceof MalformedRecordException malformed) {
        throw malformed;
      }
      throw new MalformedRecordException(
          MalformedRecordException.Kind.UNREADABLE,
          "cannot decode with schema id " + id + " on " + topic + ": " + e,
          e);
    }
  }

  private SpecificDatumReader<T> readerFor(int writerId, String topic) {
    SpecificDatumReader<T> cached = readersByWriterId.get(writerId);
    if (cached != null) {
      return cached;
    }
    Schema writerSchema;
    try {
      writerSchema = registry.schemaById(writerId);
    } catch (UnknownSchemaException e) {
      throw new MalformedRecordException(
          MalformedRecordException.Kind.UNKNOWN_SCHEMA_ID,
          "schema id " + writerId + " is not in the registry, on " + topic,
          e);
    }
    SpecificDatumReader<T> reader = new SpecificDatumReader<>(writerSchema, readerSchema);
    readersByWriterId.put(writerId, reader);
    return reader;
  }

  @Override
  public Serializer<T> serializer() {
    return this::serialize;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this::deserialize;
  }
}
