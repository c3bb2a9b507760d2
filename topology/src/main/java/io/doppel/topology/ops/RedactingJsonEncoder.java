package io.doppel.topology.ops;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.JsonEscapeUtil;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Logback's JSON encoder with the values of configured secrets replaced by {@value #MASK}, so a
 * SASL password or Milvus token that reaches a log line (an exception message, a printed config)
 * never leaves the pod.
 *
 * <p>Secrets come from two places: environment variables named in {@code
 * secretEnvironmentVariables} (set in {@code doppel-logback-json.xml}), and values a service's
 * configuration loader passes to {@link #registerSecret(String)} when it reads a secret from a
 * mounted file.
 */
public class RedactingJsonEncoder extends JsonEncoder {

  public static final String MASK = "***";

  /**
   * Shorter values are not redacted: masking every "true" or "admin" would corrupt log lines, and
   * a secret that short is not a secret.
   */
  public static final int MIN_SECRET_LENGTH = 8;

  private static final Set<String> REGISTERED_SECRETS = ConcurrentHashMap.newKeySet();

  private volatile Set<String> environmentSecrets = Set.of();

  /** Redacts {@code value} from every log line written by any RedactingJsonEncoder from now on. */
  public static void registerSecret(String value) {
    if (value != null && value.length() >= MIN_SECRET_LENGTH) {
      REGISTERED_SECRETS.add(value);
    }
  }

  /** Comma-separated names of environment variables whose values are secrets. */
  public void setSecretEnvironmentVariables(String names) {
    environmentSecrets = Arrays.stream(names.split(","))
        .map(String::strip)
        .filter(name -> !name.isEmpty())
        .map(System::getenv)
        .filter(value -> value != null && value.length() >= MIN_SECRET_LENGTH)
        .collect(Collectors.toUnmodifiableSet());
  }

  @Override
  @SuppressFBWarnings(
      value = "ES_COMPARING_STRINGS_WITH_EQ",
      justification = "String.replace returns the same instance when nothing matched")
  public byte[] encode(ILoggingEvent event) {
    byte[] encoded = super.encode(event);
    if (environmentSecrets.isEmpty() && REGISTERED_SECRETS.isEmpty()) {
      return encoded;
    }
    String line = new String(encoded, StandardCharsets.UTF_8);
    String redacted = redact(redact(line, environmentSecrets), REGISTERED_SECRETS);
    return redacted == line ? encoded : redacted.getBytes(StandardCharsets.UTF_8);
  }

  private static String redact(String line, Set<String> secrets) {
    String result = line;
    for (String secret : secrets) {
      // A secret reaches the line as written, or escaped: logback's encoder escapes '/' as well as
      // quotes, backslashes
      // and control characters, Jackson's (in values logged as JSON) does not. Guarded by
      // ConfigReaderTest.
      String logbackEscaped = JsonEscapeUtil.jsonEscapeString(secret);
      String jacksonEscaped = new String(JsonStringEncoder.getInstance().quoteAsString(secret));
      result =
          result.replace(secret, MASK).replace(logbackEscaped, MASK).replace(jacksonEscaped, MASK);
    }
    return result;
  }
}
