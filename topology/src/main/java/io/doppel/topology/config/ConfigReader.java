package io.doppel.topology.config;

import io.doppel.topology.runtime.KafkaSecurityEnvironment;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one program's settings, typed and validated, and reports every problem at once. Every Doppel program (the two
 * services, the review console, the re-index job, the embedded stack behind {@code ./doppel}) reads its configuration
 * through this class, so that names, sources, secrets and errors behave the same everywhere.
 *
 * <p><b>Names.</b> A setting has a dotted name of lower-case words ({@code extractor.fetch.max-bytes}, {@code
 * kafka.bootstrap-servers}). Its environment variable is {@code DOPPEL_} and the name upper-cased, with {@code .} and
 * {@code -} as {@code _} ({@code DOPPEL_EXTRACTOR_FETCH_MAX_BYTES}, {@code DOPPEL_KAFKA_BOOTSTRAP_SERVERS}). Settings of
 * one program start with its name; connection settings that several programs share ({@code kafka.}, {@code
 * schema-registry.}, {@code milvus.}, {@code model.}, {@code ops.}) do not.
 *
 * <p><b>Sources</b>, the first that has the setting wins: the caller's overrides (a command line), the environment, the
 * program's properties file (named by {@code DOPPEL_<PROGRAM>_CONFIG_FILE}), the default. In the file and the
 * overrides a key may be the full name, the name without the program's prefix ({@code fetch.max-bytes} in the
 * extractor's file), or the variable name.
 *
 * <p><b>Secrets</b> ({@link #secret}) come from the environment only: {@code X}, or {@code X_FILE} naming a mounted
 * file, never both, and never from the properties file, which may live in a repository. Every secret read is
 * registered with the log redactor.
 *
 * <p><b>Deprecated names</b> in {@link #DEPRECATED} are still read for one release, with a warning.
 *
 * <p>{@link #finish} throws {@link ConfigException} listing every problem: values that do not parse or are out of
 * range, missing required settings, secrets given twice or in the file, and file or override keys that name no
 * setting. A service, which reads all of its settings, also calls {@link #rejectUnknownVariables} to catch a mistyped
 * {@code DOPPEL_<PROGRAM>_*} variable that would otherwise be ignored. Guarded by {@code ConfigReaderTest}.
 */
public final class ConfigReader {

  public static final String ENV_PREFIX = "DOPPEL_";
  public static final String FILE_SUFFIX = "_FILE";
  /** The setting (under each program's name) that names the program's properties file. */
  public static final String CONFIG_FILE = "config-file";

  /** A variable name that is still read in place of a setting's own, with the value mapped, and warned about. */
  record Alias(String setting, Function<String, String> value) {}

  /** Old variable names, read with a warning when the setting's own variable is not set. */
  static final Map<String, Alias> DEPRECATED = Map.of(
      "DOPPEL_EXTRACTOR_CONFIG", new Alias("extractor." + CONFIG_FILE, Function.identity()),
      "DOPPEL_REVIEW_BOOTSTRAP_SERVERS", new Alias("kafka.bootstrap-servers", Function.identity()),
      "DOPPEL_REVIEW_SCHEMA_REGISTRY_URL", new Alias("schema-registry.url", Function.identity()),
      "DOPPEL_REVIEW_SCHEMA_REGISTRY_BEARER_TOKEN",
          new Alias("schema-registry.auth", token -> "Bearer " + token));

  private static final Logger LOG = LoggerFactory.getLogger(ConfigReader.class);

  /** The old variable names still read, for checks that a deployment no longer uses them. */
  public static Set<String> deprecatedVariables() {
    return DEPRECATED.keySet();
  }

  /** One setting as read: for the configuration reference and its test. */
  public record Setting(String name, String variable, String defaultValue, boolean secret) {}

  /** What every view of one reader shares. */
  private static final class State {
    final String program;
    final Map<String, String> environment;
    final Map<String, String> overrides;
    final Map<String, String> file;
    final String fileName;
    final Set<String> usedVariables = new HashSet<>();
    final Set<String> usedOverrideKeys = new HashSet<>();
    final Set<String> usedFileKeys = new HashSet<>();
    final List<String> problems = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    final Map<String, Setting> read = new LinkedHashMap<>();

    State(
        String program,
        Map<String, String> environment,
        Map<String, String> overrides,
        Map<String, String> file,
        String fileName) {
      this.program = program;
      this.environment = environment;
      this.overrides = overrides;
      this.file = file;
      this.fileName = fileName;
    }
  }

  private final State state;
  /** Prepended to every name this view reads: "" or a program's or group's name and a dot. */
  private final String section;

  private ConfigReader(State state, String section) {
    this.state = state;
    this.section = section;
  }

  /**
   * The settings of {@code program} ({@code extractor}, {@code matcher}, {@code review}, ...) from {@code environment}
   * and the properties file it names, with {@code overrides} (keys as in the file) taking precedence.
   */
  public static ConfigReader of(
      String program, Map<String, String> environment, Map<String, String> overrides) {
    Map<String, String> env = Map.copyOf(environment);
    State bootstrap = new State(program, env, Map.copyOf(overrides), Map.of(), null);
    ConfigReader probe = new ConfigReader(bootstrap, "");
    String fileSetting = program + "." + CONFIG_FILE;
    String fileName = probe.raw(fileSetting);
    Map<String, String> file = new TreeMap<>();
    List<String> fileProblems = new ArrayList<>();
    if (fileName != null) {
      Properties properties = new Properties();
      try (Reader in = Files.newBufferedReader(Path.of(fileName), StandardCharsets.UTF_8)) {
        properties.load(in);
        properties
            .stringPropertyNames()
            .forEach(key -> file.put(key.strip(), properties.getProperty(key).strip()));
      } catch (IOException | RuntimeException e) {
        fileProblems.add(
            variable(fileSetting) + "=" + fileName + " cannot be read: " + e.getMessage());
      }
    }
    State state = new State(program, env, Map.copyOf(overrides), file, fileName);
    state.usedVariables.addAll(bootstrap.usedVariables);
    state.usedOverrideKeys.addAll(bootstrap.usedOverrideKeys);
    state.warnings.addAll(bootstrap.warnings);
    state.problems.addAll(fileProblems);
    state.read.put(fileSetting, new Setting(fileSetting, variable(fileSetting), null, false));
    return new ConfigReader(state, "");
  }

  /** The settings of {@code program} from the environment alone. */
  public static ConfigReader of(String program, Map<String, String> environment) {
    return of(program, environment, Map.of());
  }

  /**
   * A program's whole configuration from {@code environment}, read by {@code read}: a {@code DOPPEL_<PROGRAM>_*}
   * variable that no setting read is a problem too, and every problem is reported at once ({@link #finish}).
   */
  public static <T> T readProgram(
      String program, Map<String, String> environment, Function<ConfigReader, T> read) {
    ConfigReader reader = of(program, environment);
    T settings = read.apply(reader);
    reader.rejectUnknownVariables();
    reader.finish();
    return settings;
  }

  /** Defaults and {@code overrides} only: no environment, no file (tools and tests). */
  public static ConfigReader ofOverrides(String program, Map<String, String> overrides) {
    return of(program, Map.of(), overrides);
  }

  /** A view that reads {@code name.}-prefixed settings: {@code section("extractor").integer("model.batch-size", ...)}. */
  public ConfigReader section(String name) {
    return new ConfigReader(state, section + name + ".");
  }

  /** The environment variable of a setting: {@code extractor.fetch.max-bytes} is {@code DOPPEL_EXTRACTOR_FETCH_MAX_BYTES}. */
  public static String variable(String setting) {
    return ENV_PREFIX + setting.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  // ---- typed values

  /** The value, or {@code fallback} when the setting is not set. */
  public String string(String name, String fallback) {
    String value = raw(record(name, fallback));
    return value == null ? fallback : value;
  }

  /** The value; a problem when it is not set. */
  public String required(String name) {
    String full = record(name, null);
    String value = raw(full);
    if (value == null) {
      problem(describe(full) + " is required");
    }
    return value;
  }

  /** A whole number in [min, max] that must be set. */
  public int requiredInteger(String name, int min, int max) {
    String full = record(name, null);
    if (raw(full) == null) {
      problem(describe(full) + " is required");
      return min;
    }
    return integer(name, min, min, max);
  }

  public int integer(String name, int fallback, int min, int max) {
    return (int) whole(name, fallback, min, max);
  }

  public long whole(String name, long fallback, long min, long max) {
    return parse(
        name,
        fallback,
        text -> {
          long value = Long.parseLong(text.replace("_", ""));
          if (value < min || value > max) {
            throw new IllegalArgumentException("must be in [" + min + ", " + max + "]");
          }
          return value;
        },
        "a whole number");
  }

  public double decimal(String name, double fallback, double min, double max) {
    return parse(
        name,
        fallback,
        text -> {
          double value = Double.parseDouble(text);
          if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException("must be in [" + min + ", " + max + "]");
          }
          return value;
        },
        "a number");
  }

  public boolean bool(String name, boolean fallback) {
    return parse(
        name,
        fallback,
        text -> {
          if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException();
          }
          return Boolean.parseBoolean(text);
        },
        "true or false");
  }

  public <E extends Enum<E>> E choice(String name, E fallback, Class<E> type) {
    String expected = "one of " + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT);
    return parse(
        name,
        fallback,
        text -> Enum.valueOf(type, text.toUpperCase(Locale.ROOT).replace('-', '_')),
        expected);
  }

  /** A duration given in whole milliseconds (the setting's name ends in {@code -ms}). */
  public Duration millis(String name, Duration fallback, Duration min, Duration max) {
    return Duration.ofMillis(whole(name, fallback.toMillis(), min.toMillis(), max.toMillis()));
  }

  /** A positive ISO-8601 duration such as {@code PT60S}. */
  public Duration duration(String name, Duration fallback) {
    return parse(
        name,
        fallback,
        text -> {
          Duration value = Duration.parse(text);
          if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("must be positive");
          }
          return value;
        },
        "an ISO-8601 duration such as PT60S");
  }

  public Path path(String name, Path fallback) {
    String value = raw(record(name, fallback == null ? null : fallback.toString()));
    return value == null ? fallback : Path.of(value);
  }

  /** A path that must name a readable file when set; null when not set. */
  public Path existingFile(String name) {
    String full = record(name, null);
    String value = raw(full);
    if (value == null) {
      return null;
    }
    Path file = Path.of(value);
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      problem(describe(full) + "=" + file + " is not a readable file");
    }
    return file;
  }

  /** A comma-separated list, blanks dropped; empty when not set. */
  public List<String> list(String name) {
    String value = raw(record(name, ""));
    return value == null
        ? List.of()
        : Arrays.stream(value.split(","))
            .map(String::strip)
            .filter(item -> !item.isEmpty())
            .toList();
  }

  /**
   * A secret from the environment: the variable, or the content of the file its {@code _FILE} variable names (without
   * a trailing line break). Setting both, or naming the setting in the properties file or the overrides, is a problem.
   * The value is registered with the log redactor. Null when not set.
   */
  public String secret(String name) {
    String full = section + name;
    state.read.put(full, new Setting(full, variable(full), null, true));
    String variable = variable(full);
    String fileVariable = variable + FILE_SUFFIX;
    for (String key : keysOf(full)) {
      if (state.file.containsKey(key) || state.overrides.containsKey(key)) {
        state.usedFileKeys.add(key);
        state.usedOverrideKeys.add(key);
        problem((state.file.containsKey(key) ? state.fileName + ": " : "") + key
            + " is a secret: set " + variable + " or " + fileVariable
            + " in the environment, never in a file or on a command line");
      }
    }
    String value = environment(variable);
    String file = environment(fileVariable);
    if (value == null && file == null) {
      value = deprecated(full);
    }
    if (value != null && file != null) {
      problem("set " + variable + " or " + fileVariable + ", not both");
      return null;
    }
    if (file != null) {
      try {
        value = KafkaSecurityEnvironment.stripTrailingLineBreak(
            Files.readString(Path.of(file), StandardCharsets.UTF_8));
      } catch (IOException | RuntimeException e) {
        // the path is safe to name; the content never is
        problem(fileVariable + "=" + file + " cannot be read: " + e.getClass().getSimpleName());
        return null;
      }
    }
    if (value != null) {
      KafkaSecurityEnvironment.registerForRedaction(value);
    }
    return value;
  }

  /**
   * Kafka client security settings ({@code DOPPEL_KAFKA_SECURITY_PROTOCOL}, {@code DOPPEL_KAFKA_SASL_*}, {@code
   * DOPPEL_KAFKA_SSL_*}, each also as {@code _FILE}) from the environment: see {@link KafkaSecurityEnvironment}.
   */
  public Map<String, String> kafkaSecurity() {
    state.environment.keySet().stream()
        .filter(name -> name.startsWith(KafkaSecurityEnvironment.PREFIX))
        .filter(name -> !name.equals(KafkaSecurityEnvironment.BOOTSTRAP_SERVERS))
        .forEach(state.usedVariables::add);
    state.read.put(
        "kafka.security.*",
        new Setting(
            "kafka.security.*",
            KafkaSecurityEnvironment.PREFIX + "{SECURITY_PROTOCOL,SASL_*,SSL_*}[_FILE]",
            null,
            true));
    return KafkaSecurityEnvironment.read(state.environment, state.problems);
  }

  /** {@code constructor}'s result, or null with its {@link IllegalArgumentException} recorded as a problem about {@code what}. */
  public <T> T build(String what, Supplier<T> constructor) {
    try {
      return constructor.get();
    } catch (IllegalArgumentException e) {
      problem(what + ": " + e.getMessage());
      return null;
    }
  }

  /** Records {@code message} as a problem unless {@code condition} holds. */
  public void check(boolean condition, String message) {
    if (!condition) {
      problem(message);
    }
  }

  public void problem(String message) {
    state.problems.add(message);
  }

  /** How a setting is named in messages: {@code name (VARIABLE)}. */
  public String describe(String fullName) {
    return fullName + " (" + variable(fullName) + ")";
  }

  /** The full name of this view's setting {@code name}. */
  public String name(String name) {
    return section + name;
  }

  /** Every setting read so far, in the order read. */
  public List<Setting> settingsRead() {
    return List.copyOf(state.read.values());
  }

  // ---- finishing

  /**
   * Adds a problem for each {@code DOPPEL_<PROGRAM>_*} variable that no setting read so far: for a program that has read
   * all its settings, such a variable is a typo that would otherwise be ignored.
   */
  public void rejectUnknownVariables() {
    String own = ENV_PREFIX + state.program.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
    state.environment.keySet().stream()
        .filter(name -> name.startsWith(own)
            && !state.usedVariables.contains(name)
            && !DEPRECATED.containsKey(name))
        .sorted()
        .forEach(name -> problem(name + " is not a setting of the " + state.program
            + " (docs/configuration.md lists them)"));
  }

  /** Logs the deprecation warnings and throws {@link ConfigException} if any problem was found. */
  public void finish() {
    state.file.keySet().stream()
        .filter(key -> !state.usedFileKeys.contains(key))
        .sorted()
        .forEach(key -> problem(state.fileName + ": unknown key " + key));
    state.overrides.keySet().stream()
        .filter(key -> !state.usedOverrideKeys.contains(key))
        .sorted()
        .forEach(key -> problem("unknown setting " + key));
    state.warnings.forEach(LOG::warn);
    state.warnings.clear();
    if (!state.problems.isEmpty()) {
      throw new ConfigException("invalid " + state.program + " configuration", state.problems);
    }
  }

  // ---- lookup

  private String record(String name, String defaultValue) {
    String full = section + name;
    state.read.putIfAbsent(full, new Setting(full, variable(full), defaultValue, false));
    return full;
  }

  /** The keys a setting may have in the file or the overrides: full name, name within the program, variable name. */
  private List<String> keysOf(String full) {
    String programPrefix = state.program + ".";
    return full.startsWith(programPrefix)
        ? List.of(full, full.substring(programPrefix.length()), variable(full))
        : List.of(full, variable(full));
  }

  /**
   * The setting's value from the first source that has it, blank as unset; null when none has it. Every file and
   * override key naming the setting counts as known, also where another source wins.
   */
  private String raw(String full) {
    List<String> keys = keysOf(full);
    keys.stream().filter(state.file::containsKey).forEach(state.usedFileKeys::add);
    keys.stream().filter(state.overrides::containsKey).forEach(state.usedOverrideKeys::add);
    for (String key : keys) {
      if (state.overrides.containsKey(key)) {
        return blankToNull(state.overrides.get(key));
      }
    }
    String fromEnvironment = environment(variable(full));
    if (fromEnvironment != null) {
      return fromEnvironment;
    }
    String deprecated = deprecated(full);
    if (deprecated != null) {
      return deprecated;
    }
    for (String key : keys) {
      if (state.file.containsKey(key)) {
        return blankToNull(state.file.get(key));
      }
    }
    return null;
  }

  private String environment(String variable) {
    String value = state.environment.get(variable);
    if (value != null) {
      state.usedVariables.add(variable);
    }
    return blankToNull(value);
  }

  private String deprecated(String full) {
    for (Map.Entry<String, Alias> alias : DEPRECATED.entrySet()) {
      String value = alias.getValue().setting().equals(full) ? environment(alias.getKey()) : null;
      if (value != null) {
        state.warnings.add(
            alias.getKey() + " is deprecated and will not be read in the next release: set "
                + variable(full) + " instead");
        return alias.getValue().value().apply(value);
      }
    }
    return null;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  private <T> T parse(String name, T fallback, Function<String, T> parser, String expected) {
    String shown = fallback instanceof Enum<?> constant
        ? constant.name().toLowerCase(Locale.ROOT)
        : String.valueOf(fallback);
    String full = record(name, fallback == null ? null : shown);
    String text = raw(full);
    if (text == null) {
      return fallback;
    }
    try {
      return parser.apply(text);
    } catch (NumberFormatException | DateTimeParseException e) {
      problem(describe(full) + " must be " + expected + ", got '" + text + "'");
    } catch (IllegalArgumentException e) {
      // a range check says what it wants; Enum.valueOf's message names a Java class, which helps
      // nobody
      boolean ownMessage = e.getMessage() != null && !e.getMessage().startsWith("No enum constant");
      problem(describe(full) + " " + (ownMessage ? e.getMessage() : "must be " + expected)
          + ", got '" + text + "'");
    }
    return fallback;
  }
}
