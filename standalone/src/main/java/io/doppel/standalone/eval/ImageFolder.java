package io.doppel.standalone.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** The image files of one folder, sorted by name; an image's id is its file name without extension. */
public record ImageFolder(Path dir, List<Path> files) {

  private static final Set<String> IMAGE_EXTENSIONS =
      Set.of("jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff");

  public static ImageFolder of(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      List<Path> files = entries
          .filter(Files::isRegularFile)
          .filter(p -> IMAGE_EXTENSIONS.contains(extension(p)))
          .sorted()
          .toList();
      return new ImageFolder(dir.toAbsolutePath().normalize(), files);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  public static String idOf(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  private static String extension(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }
}
