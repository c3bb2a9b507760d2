package io.doppel.standalone.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line options of the form {@code --name value} and {@code --flag}, and for commands that take them, operands
 * (the other arguments, in order; after {@code --} every argument is one). Every option a command reads must be
 * declared by it; anything else is an error, so a typo never silently falls back to a default.
 */
public final class Args {

  private final Map<String, String> values;
  private final Set<String> flags;
  private final List<String> operands;
  private final Set<String> read = new HashSet<>();

  private Args(Map<String, String> values, Set<String> flags, List<String> operands) {
    this.values = values;
    this.flags = flags;
    this.operands = List.copyOf(operands);
  }

  /** Parses {@code args}, options only; {@code flagNames} are the options that take no value. */
  public static Args parse(List<String> args, Set<String> flagNames) {
    return parse(args, flagNames, false);
  }

  /** Parses {@code args}, options and operands; {@code flagNames} are the options that take no value. */
  public static Args parseWithOperands(List<String> args, Set<String> flagNames) {
    return parse(args, flagNames, true);
  }

  private static Args parse(List<String> args, Set<String> flagNames, boolean operandsAllowed) {
    Map<String, String> values = new HashMap<>();
    Set<String> flags = new HashSet<>();
    List<String> operands = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (operandsAllowed && arg.equals("--")) {
        operands.addAll(args.subList(i + 1, args.size()));
        break;
      }
      if (operandsAllowed && !arg.startsWith("--")) {
        operands.add(arg);
        continue;
      }
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new UsageException("unexpected argument '" + arg + "'");
      }
      String name = arg.substring(2);
      int eq = name.indexOf('=');
      if (eq >= 0) {
        values.put(name.substring(0, eq), name.substring(eq + 1));
      } else if (flagNames.contains(name)) {
        flags.add(name);
      } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
        values.put(name, args.get(++i));
      } else {
        throw new UsageException("option --" + name + " needs a value");
      }
    }
    return new Args(values, flags, operands);
  }

  /** The arguments that are no option, in order (always empty for {@link #parse}). */
  public List<String> operands() {
    return operands;
  }

  public boolean flag(String name) {
    read.add(name);
    return flags.contains(name);
  }

  public String string(String name, String defaultValue) {
    read.add(name);
    return values.getOrDefault(name, defaultValue);
  }

  public String required(String name) {
    read.add(name);
    String value = values.get(name);
    if (value == null) {
      throw new UsageException("option --" + name + " is required");
    }
    return value;
  }

  public int integer(String name, int defaultValue, int min) {
    String raw = string(name, null);
    if (raw == null) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw);
      if (value < min) {
        throw new UsageException("--" + name + " must be at least " + min + ", got " + value);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a whole number, got '" + raw + "'");
    }
  }

  public double decimal(String name, double defaultValue, double min) {
    String raw = string(name, null);
    if (raw == null) {
      return defaultValue;
    }
    try {
      double value = Double.parseDouble(raw);
      if (value < min) {
        throw new UsageException("--" + name + " must be at least " + min + ", got " + value);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a number, got '" + raw + "'");
    }
  }

  public Path existingDirectory(String name) {
    Path dir = Path.of(required(name));
    if (!Files.isDirectory(dir)) {
      throw new UsageException("--" + name + " " + dir + " is not a directory");
    }
    return dir;
  }

  /** Fails on any option that no one read: catches typos such as --queires. */
  public void rejectUnknown() {
    List<String> unknown = new ArrayList<>();
    values.keySet().stream().filter(k -> !read.contains(k)).forEach(k -> unknown.add("--" + k));
    flags.stream().filter(k -> !read.contains(k)).forEach(k -> unknown.add("--" + k));
    if (!unknown.isEmpty()) {
      throw new UsageException("unknown option(s): " + String.join(", ", unknown));
    }
  }
}
