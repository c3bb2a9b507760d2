package io.doppel.schemas.serde;

import io.doppel.schemas.avro.ImageKey;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.avro.util.ClassSecurityValidator.ClassSecurityPredicate;

/**
 * Avro 1.12 instantiates only classes it was told to trust (the fix for CVE-2024-47561), via the
 * {@code org.apache.avro.SERIALIZABLE_PACKAGES} system property or its global validator. Our own
 * generated contracts are trusted here, in code, so that a serde works in any JVM without a flag;
 * everything else stays as the JVM's configuration says.
 */
public final class ContractClassTrust {

  /** The package the avro-maven-plugin generates the Doppel contracts into. */
  static final String CONTRACT_PACKAGE = ImageKey.class.getPackageName();

  private static final ClassSecurityPredicate CONTRACTS =
      type -> type.getPackageName().equals(CONTRACT_PACKAGE);

  private ContractClassTrust() {}

  /**
   * Trusts the contract classes. Serdes do it themselves; code that builds or copies contract records without one
   * (the extractor's builders copy enum fields through Avro's class loading) calls this first.
   */
  public static void trustContracts() {
    ensureTrusted(ImageKey.class);
  }

  /** Adds the contract package to Avro's global trust, unless {@code type} is trusted already. */
  static synchronized void ensureTrusted(Class<?> type) {
    ClassSecurityPredicate global = ClassSecurityValidator.getGlobal();
    if (!global.isTrusted(type)) {
      ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(global, CONTRACTS));
    }
  }
}
