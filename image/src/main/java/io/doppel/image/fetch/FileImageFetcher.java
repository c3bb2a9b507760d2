package io.doppel.image.fetch;

import io.doppel.image.ImageRejectedException;
import io.doppel.schemas.avro.DeadLetterReason;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code file://} sources, only under the configured roots: the path is normalised and
 * checked, then its real path (symlinks resolved) is checked again, so neither {@code ..} nor a
 * symlink can lead outside a root.
 */
public final class FileImageFetcher {

  private final List<Path> realRoots;
  private final long maxBytes;

  public FileImageFetcher(List<Path> roots, long maxBytes) {
    List<Path> real = new ArrayList<>();
    for (Path root : roots) {
      try {
        real.add(root.toRealPath());
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "fetch.file-roots entry " + root + " does not exist or cannot be read", e);
      }
    }
    this.realRoots = List.copyOf(real);
    this.maxBytes = maxBytes;
  }

  public byte[] fetch(URI source) throws ImageRejectedException {
    if (realRoots.isEmpty()) {
      throw new ImageRejectedException(
          DeadLetterReason.BLOCKED_ADDRESS,
          "file:// sources are disabled (no fetch.file-roots configured)");
    }
    String rawPath = source.getPath();
    if (rawPath == null
        || source.getAuthority() != null && !source.getAuthority().isEmpty()) {
      throw new ImageRejectedException(
          DeadLetterReason.FETCH_FAILED,
          "malformed file URI " + source + " (expected file:///absolute/path)");
    }
    if (List.of(rawPath.split("/")).contains("..")) {
      throw new ImageRejectedException(
          DeadLetterReason.BLOCKED_ADDRESS, "file URI " + source + " contains '..'");
    }
    Path requested = Path.of(rawPath).toAbsolutePath().normalize();
    Path real;
    try {
      real = requested.toRealPath();
    } catch (NoSuchFileException e) {
      throw new ImageRejectedException(
          DeadLetterReason.FETCH_FAILED, "no such file " + requested, e);
    } catch (IOException e) {
      throw new ImageRejectedException(
          DeadLetterReason.FETCH_FAILED, "cannot read " + requested + ": " + e.getMessage(), e);
    }
    if (realRoots.stream().noneMatch(real::startsWith)) {
      throw new ImageRejectedException(
          DeadLetterReason.BLOCKED_ADDRESS, requested + " is not under a configured file root");
    }
    try {
      if (!Files.isRegularFile(real)) {
        throw new ImageRejectedException(
            DeadLetterReason.FETCH_FAILED, requested + " is not a regular file");
      }
      long size = Files.size(real);
      if (size > maxBytes) {
        throw new ImageRejectedException(
            DeadLetterReason.TOO_LARGE,
            requested + " has " + size + " bytes, above the limit of " + maxBytes);
      }
      return Files.readAllBytes(real);
    } catch (IOException e) {
      throw new ImageRejectedException(
          DeadLetterReason.FETCH_FAILED, "cannot read " + requested + ": " + e.getMessage(), e);
    }
  }
}
