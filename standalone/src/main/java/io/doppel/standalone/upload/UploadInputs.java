package io.doppel.standalone.upload;

import io.doppel.matcher.reindex.FolderSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * What {@code ./doppel upload}'s operands name, expanded into one {@link Input} per image, and every problem with them,
 * found before anything is sent.
 *
 * <pre>
 * a file           → inline bytes; id = its name without extension
 * a folder         → each image file under it (FolderSource's extensions, any depth), inline; id = its path
 *                    relative to the folder without extension, '/'-separated
 * http(s)://...    → the URL as the source (the extractor fetches it); id = its last path segment without
 *                    extension, else its host
 * </pre>
 *
 * Every id gets {@code idPrefix} in front. Problems: a path that does not exist or cannot be read, a folder without
 * images, a file above {@code maxInlineBytes}, a URL that is not http(s) (s3:// included), and two inputs with one id
 * (the second would replace the first on the compacted uploads topic). Pure but for reading the file system.
 */
public record UploadInputs(List<Input> inputs, List<String> problems) {

  /** One image to send: exactly one of {@code file} and {@code url} is set. */
  public record Input(String imageId, Path file, URI url, long bytes) {
    public Input {
      Objects.requireNonNull(imageId, "imageId");
      if ((file == null) == (url == null)) {
        throw new IllegalArgumentException("exactly one of file and url");
      }
    }

    /** The operand it came from, for messages. */
    public String origin() {
      return file != null ? file.toString() : url.toString();
    }
  }

  public UploadInputs {
    inputs = List.copyOf(inputs);
    problems = List.copyOf(problems);
  }

  /** Expands {@code operands}; an empty list of operands is a problem too. */
  public static UploadInputs expand(List<String> operands, String idPrefix, long maxInlineBytes) {
    List<Input> inputs = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    if (operands.isEmpty()) {
      problems.add("name at least one image file, folder or http(s) URL");
    }
    for (String operand : operands) {
      if (operand.contains("://")) {
        url(operand, idPrefix, inputs, problems);
      } else {
        path(Path.of(operand), idPrefix, maxInlineBytes, inputs, problems);
      }
    }
    Map<String, Input> byId = new LinkedHashMap<>();
    for (Input input : inputs) {
      Input earlier = byId.putIfAbsent(input.imageId(), input);
      if (earlier != null) {
        problems.add("two inputs have the id '" + input.imageId() + "': " + earlier.origin()
            + " and " + input.origin()
            + " (the second would replace the first; send them apart with --id-prefix)");
      }
    }
    return new UploadInputs(inputs, problems);
  }

  private static void url(
      String operand, String idPrefix, List<Input> inputs, List<String> problems) {
    URI uri;
    try {
      uri = new URI(operand);
    } catch (URISyntaxException e) {
      problems.add(operand + ": not a URL (" + e.getReason() + ")");
      return;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "http", "https" -> {
        if (uri.getHost() == null) {
          problems.add(operand + ": the URL has no host");
          return;
        }
        inputs.add(new Input(idPrefix + idOf(uri), null, uri, -1));
      }
      case "s3" ->
        problems.add(
            operand + ": s3:// is not a source Doppel fetches; give a presigned https:// URL "
                + "of the object (docs/integration.md, \"Sending uploads\")");
      case "file" ->
        problems.add(operand + ": a file:// source is read on the extractor's machine; give the "
            + "file's path to send it inline");
      default -> problems.add(operand + ": unsupported scheme '" + scheme + "' (http or https)");
    }
  }

  private static void path(
      Path path, String idPrefix, long maxInlineBytes, List<Input> inputs, List<String> problems) {
    if (Files.isDirectory(path)) {
      List<Path> images;
      try (Stream<Path> tree = Files.walk(path)) {
        images = tree.filter(Files::isRegularFile)
            .filter(FolderSource::isImage)
            .sorted()
            .toList();
      } catch (IOException | UncheckedIOException e) {
        problems.add(path + ": cannot list the folder (" + e.getMessage() + ")");
        return;
      }
      if (images.isEmpty()) {
        problems.add(
            path + ": the folder holds no image files (jpg, jpeg, png, webp, gif, bmp, tif, tiff)");
      }
      for (Path image : images) {
        file(image, idPrefix + folderId(path, image), maxInlineBytes, inputs, problems);
      }
    } else if (Files.exists(path)) {
      file(path, idPrefix + FolderSource.idOf(path), maxInlineBytes, inputs, problems);
    } else {
      problems.add(path + ": no such file or folder");
    }
  }

  private static void file(
      Path file, String id, long maxInlineBytes, List<Input> inputs, List<String> problems) {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      problems.add(file + ": not a readable file");
      return;
    }
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      problems.add(file + ": cannot read its size (" + e.getMessage() + ")");
      return;
    }
    if (size == 0) {
      problems.add(file + ": the file is empty");
    } else if (size > maxInlineBytes) {
      problems.add(file + ": " + size + " bytes, above --max-inline-bytes " + maxInlineBytes
          + " (the topic's message limit): serve it over https and give its URL");
    } else {
      inputs.add(new Input(id, file, null, size));
    }
  }

  /** {@code image}'s path under {@code folder} without its extension, '/'-separated. */
  static String folderId(Path folder, Path image) {
    Path relative = folder.relativize(image);
    Path parent = relative.getParent();
    String name = FolderSource.idOf(image);
    if (parent == null) {
      return name;
    }
    List<String> parts = new ArrayList<>();
    parent.forEach(part -> parts.add(part.toString()));
    parts.add(name);
    return String.join("/", parts);
  }

  /** The URL's last path segment without extension, decoded; its host when the path names nothing. */
  static String idOf(URI url) {
    String path = url.getRawPath() == null ? "" : url.getRawPath();
    int slash = path.lastIndexOf('/');
    String last = URLDecoder.decode(path.substring(slash + 1), StandardCharsets.UTF_8);
    int dot = last.lastIndexOf('.');
    String name = dot > 0 ? last.substring(0, dot) : last;
    return name.isBlank() ? url.getHost() : name;
  }

  /** The content type an image file's extension claims (the extractor sniffs the real one); null if none. */
  public static String contentTypeOf(Path file) {
    String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
    String extension = name.substring(name.lastIndexOf('.') + 1);
    return switch (extension) {
      case "jpg", "jpeg" -> "image/jpeg";
      case "png" -> "image/png";
      case "webp" -> "image/webp";
      case "gif" -> "image/gif";
      case "bmp" -> "image/bmp";
      case "tif", "tiff" -> "image/tiff";
      default -> null;
    };
  }
}
