package io.doppel.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import java.time.Instant;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Avro 1.12 refuses to instantiate untrusted classes. The build passes
 * {@code -Dorg.apache.avro.SERIALIZABLE_PACKAGES} to the tests (root pom); the services and
 * {@code ./doppel} must work without it, so the serde trusts the contract package itself.
 */
class ContractClassTrustTest {

  private ClassSecurityPredicate configured;

  @BeforeEach
  void forgetTheSystemProperty() {
    configured = ClassSecurityValidator.getGlobal();
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.DEFAULT_TRUSTED_CLASSES);
  }

  @AfterEach
  void restore() {
    ClassSecurityValidator.setGlobal(configured);
  }

  @Test
  void theBuildSetsTheSerializablePackagesProperty() {
    assertThat(System.getProperty("org.apache.avro.SERIALIZABLE_PACKAGES"))
        .contains(ContractClassTrust.CONTRACT_PACKAGE);
    assertThat(ClassSecurityValidator.SYSTEM_PROPERTIES.isTrusted(UploadEvent.class))
        .isTrue();
  }

  @Test
  void withoutTrustAvroRefusesTheContractClasses() {
    assertThatThrownBy(() -> ClassSecurityValidator.validate(ImageFeatures.class))
        .isInstanceOf(SecurityException.class)
        .hasMessageContaining("not trusted");
  }

  @Test
  void theSerdeTrustsTheContractPackageWithoutAnyFlag() {
    AvroSerde<UploadEvent> serde =
        AvroSerde.forValues(new InMemorySchemaRegistry(), UploadEvent.class);
    UploadEvent event = UploadEvent.newBuilder()
        .setTenant("t")
        .setImageId("i")
        .setPurpose(io.doppel.schemas.avro.Purpose.DELETE)
        .setUploadedAt(Instant.EPOCH)
        .build();

    Object read = serde.deserialize("uploads", serde.serialize("uploads", event));

    assertThat(read).isInstanceOf(UploadEvent.class).isEqualTo(event);
    assertThat(ClassSecurityValidator.getGlobal().isTrusted(ImageFeatures.class))
        .isTrue();
    assertThat(ClassSecurityValidator.getGlobal().isTrusted(java.lang.ProcessBuilder.class))
        .isFalse();
  }
}
