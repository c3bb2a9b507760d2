package io.doppel.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.UploadEvent;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

/**
 * What every {@link SchemaRegistry} must do, run against each implementation. Subjects and
 * schemas are unique per test, because a real registry is shared by the whole test JVM.
 */
abstract class SchemaRegistryContract {

  /** An id no registry in these tests hands out. */
  private static final int UNUSED_ID = 1_999_999_999;

  /** The registry under test. */
  protected abstract SchemaRegistry registry();

  /**
   * A second client of the same registry, with no cache of its own, so that answers come from the
   * registry and not from what this client remembers. In-process registries return themselves.
   */
  protected abstract SchemaRegistry anotherClient();

  @Test
  void registeringIsIdempotentPerSubject() {
    String subject = uniqueSubject();
    Schema schema = uniqueSchema();

    int first = registry().register(subject, schema);
    int again = registry().register(subject, schema);
    int fromAnotherClient = anotherClient().register(subject, schema);

    assertThat(again).isEqualTo(first);
    assertThat(fromAnotherClient).isEqualTo(first);
  }

  @Test
  void theSameSchemaUnderTwoSubjectsHasOneId() {
    Schema schema = uniqueSchema();

    int underKey = registry().register(uniqueSubject() + "-key", schema);
    int underValue = anotherClient().register(uniqueSubject() + "-value", schema);

    assertThat(underValue).isEqualTo(underKey);
  }

  @Test
  void differentSchemasHaveDifferentIds() {
    String subject = uniqueSubject();

    int first = registry().register(subject, uniqueSchema());
    int second = registry().register(subject, uniqueSchema());

    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void lookingUpAnIdReturnsAnEqualSchema() {
    Schema schema = uniqueSchema();
    int id = registry().register(uniqueSubject(), schema);

    assertThat(anotherClient().schemaById(id)).isEqualTo(schema);
    assertThat(registry().schemaById(id)).isEqualTo(schema);
  }

  @Test
  void theGeneratedContractsRoundTripThroughTheRegistry() {
    String topic = uniqueSubject();
    int keyId = registry().register(topic + "-key", ImageKey.getClassSchema());
    int valueId = registry().register(topic + "-value", UploadEvent.getClassSchema());

    assertThat(anotherClient().schemaById(keyId)).isEqualTo(ImageKey.getClassSchema());
    assertThat(anotherClient().schemaById(valueId)).isEqualTo(UploadEvent.getClassSchema());
  }

  @Test
  void anUnknownIdIsAnUnknownSchemaException() {
    assertThatThrownBy(() -> anotherClient().schemaById(UNUSED_ID))
        .isInstanceOf(UnknownSchemaException.class)
        .hasMessageContaining(String.valueOf(UNUSED_ID));
  }

  static String uniqueSubject() {
    return "contract-" + UUID.randomUUID();
  }

  /** A record schema whose name no other test uses, so its id is fresh in a shared registry. */
  static Schema uniqueSchema() {
    String name = "Probe" + UUID.randomUUID().toString().replace("-", "");
    return SchemaBuilder.record(name)
        .namespace("io.doppel.test")
        .fields()
        .requiredString("tenant")
        .optionalInt("count")
        .endRecord();
  }
}
