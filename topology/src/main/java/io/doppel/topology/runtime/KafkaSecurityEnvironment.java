package io.doppel.topology.runtime;

import io.doppel.topology.ops.RedactingJsonEncoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Kafka client security settings from a service's environment, shared by both services:
 *
 * <pre>
 * DOPPEL_KAFKA_SECURITY_PROTOCOL, DOPPEL_KAFKA_SASL_*, DOPPEL_KAFKA_SSL_*  → security.protocol, sasl.*, ssl.*
 *     (name after DOPPEL_KAFKA_, lower-cased, '_' → '.': DOPPEL_KAFKA_SASL_JAAS_CONFIG → sasl.jaas.config)
 * DOPPEL_KAFKA_..._FILE=/path                                          → the same setting, value = the file's
 *     content without its trailing line break (a mounted Kubernetes Secret)
 * </pre>
 *
 * Setting both {@code X} and {@code X_FILE} is an error, as is an unreadable file or a name that is
 * no security setting. Every secret value (JAAS configs, passwords, private keys, tokens, and the
 * {@code password="..."} inside a JAAS config) is registered with {@link RedactingJsonEncoder}, so
 * that a log line that ever contained it would show it masked.
 */
public final class KafkaSecurityEnvironment {

  public static final String PREFIX = "DOPPEL_KAFKA_";
  public static final String FILE_SUFFIX = "_FILE";
  /** Not a security setting, but shares the prefix. */
  public static final String BOOTSTRAP_SERVERS = "DOPPEL_KAFKA_BOOTSTRAP_SERVERS";

  private static final Pattern SECURITY_KEY =
      Pattern.compile("security\\.protocol|sasl\\..+|ssl\\..+");
  private static final Pattern SECRET_KEY =
      Pattern.compile(".*(jaas|password|secret|token|keystore\\.key).*");
  private static final Pattern JAAS_PASSWORD = Pattern.compile("password\\s*=\\s*\"([^\"]*)\"");

  private KafkaSecurityEnvironment() {}

  /**
   * The security settings found in {@code environment} (keys already stripped of other prefixes);
   * each problem is added to {@code problems} instead of thrown, so a config can list them all.
   */
  public static Map<String, String> read(Map<String, String> environment, List<String> problems) {
    Map<String, String> settings = new TreeMap<>();
    environment.forEach((name, value) -> {
      if (!name.startsWith(PREFIX) || name.equals(BOOTSTRAP_SERVERS)) {
        return;
      }
      boolean fromFile = name.endsWith(FILE_SUFFIX);
      String variable = fromFile ? name.substring(0, name.length() - FILE_SUFFIX.length()) : name;
      String key = variable.substring(PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
      if (!SECURITY_KEY.matcher(key).matches()) {
        problems.add(name
            + " is not a Kafka security setting (DOPPEL_KAFKA_SECURITY_PROTOCOL, DOPPEL_KAFKA_SASL_*, "
            + "DOPPEL_KAFKA_SSL_*, each optionally with " + FILE_SUFFIX + ")");
        return;
      }
      if (fromFile && environment.containsKey(variable)) {
        problems.add("set " + variable + " or " + name + ", not both");
        return;
      }
      if (!fromFile) {
        settings.put(key, value);
        return;
      }
      try {
        settings.put(
            key, stripTrailingLineBreak(Files.readString(Path.of(value), StandardCharsets.UTF_8)));
      } catch (IOException | RuntimeException e) {
        // The path is safe to name; the content never is.
        problems.add(name + "=" + value + " cannot be read: " + e.getClass().getSimpleName());
      }
    });
    settings.forEach((key, value) -> {
      if (isSecret(key)) {
        registerForRedaction(value);
      }
    });
    return settings;
  }

  /** Whether the value of {@code key} (a Kafka client setting) is a secret. */
  public static boolean isSecret(String key) {
    return SECRET_KEY.matcher(key).matches();
  }

  /** Masks {@code secret}, and any JAAS {@code password="..."} inside it, in every JSON log line. */
  public static void registerForRedaction(String secret) {
    RedactingJsonEncoder.registerSecret(secret);
    Matcher password = JAAS_PASSWORD.matcher(secret);
    while (password.find()) {
      RedactingJsonEncoder.registerSecret(password.group(1));
    }
  }

  /** A mounted file usually ends with a line break that is not part of the secret. */
  public static String stripTrailingLineBreak(String content) {
    String value = content;
    while (value.endsWith("\n") || value.endsWith("\r")) {
      value = value.substring(0, value.length() - 1);
    }
    return value;
  }
}
