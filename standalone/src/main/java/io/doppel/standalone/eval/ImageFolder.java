package io.doppel.standalone.eval;

import io.doppel.matcher.reindex.FolderSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The image files of one folder, sorted by name; an image's id is its file name without extension. */
public record ImageFolder(Path dir, List<Path> files) {

  /** The image files of {@code dir}, as absolute normalised paths (file roots and file:// URIs refuse "..") */
  public static ImageFolder of(Path given) {
    Path dir = given.toAbsolutePath().normalize();
    try (Stream<Path> entries = Files.list(dir)) {
      List<Path> files = entries
          .filter(Files::isRegularFile)
          .filter(FolderSource::isImage)
          .sorted()
          .toList();
      return new ImageFolder(dir, files);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }

  public static String idOf(Path file) {
    return FolderSource.idOf(file);
  }
}
