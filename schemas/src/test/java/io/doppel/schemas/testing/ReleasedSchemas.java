package io.doppel.schemas.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;

/**
 * The schemas as released, one folder per release under {@code src/test/resources/released/N/}
 * (copies of {@code src/main/avro} at release time). {@code common.avsc} is parsed first, as the
 * build does, because the other files use its named types.
 */
public final class ReleasedSchemas {

  private static final String ROOT = "/released";
  private static final String COMMON = "common.avsc";

  private ReleasedSchemas() {}

  /** The highest release number there is. */
  public static int latestVersion() {
    try (Stream<Path> versions = Files.list(root())) {
      return versions
          .map(path -> path.getFileName().toString())
          .filter(name -> name.matches("\\d+"))
          .map(Integer::parseInt)
          .max(Comparator.naturalOrder())
          .orElseThrow(() -> new IllegalStateException("no released schemas under " + root()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every named type of release {@code version}, by full name. */
  public static Map<String, Schema> load(int version) {
    Path folder = root().resolve(String.valueOf(version));
    Schema.Parser parser = new Schema.Parser();
    try (Stream<Path> files = Files.list(folder)) {
      List<Path> ordered = files
          .filter(path -> path.getFileName().toString().endsWith(".avsc"))
          .sorted(
              Comparator.comparing((Path path) -> !path.getFileName().toString().equals(COMMON))
                  .thenComparing(Path::getFileName))
          .toList();
      for (Path file : ordered) {
        try (InputStream in = Files.newInputStream(file)) {
          parser.parse(in);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read released schemas in " + folder, e);
    }
    return Map.copyOf(parser.getTypes());
  }

  /** The released schema of {@code fullName} in release {@code version}. */
  public static Schema schema(int version, String fullName) {
    Schema schema = load(version).get(fullName);
    if (schema == null) {
      throw new IllegalArgumentException("release " + version + " has no schema " + fullName);
    }
    return schema;
  }

  private static Path root() {
    URL url = ReleasedSchemas.class.getResource(ROOT);
    if (url == null) {
      throw new IllegalStateException("no " + ROOT + " folder on the test classpath");
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
