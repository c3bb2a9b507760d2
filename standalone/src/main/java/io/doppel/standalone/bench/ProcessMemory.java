package io.doppel.standalone.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory of a process from /proc (Linux); -1 where unavailable. */
public final class ProcessMemory {

  private static final long BYTES_PER_KB = 1024;

  private ProcessMemory() {}

  /** Peak resident set size (VmHWM) of process {@code pid}, in bytes. */
  public static long peakRssBytes(long pid) {
    return statusField(pid, "VmHWM:");
  }

  /** Current resident set size (VmRSS) of process {@code pid}, in bytes. */
  public static long rssBytes(long pid) {
    return statusField(pid, "VmRSS:");
  }

  /** Anonymous resident memory (RssAnon: heap, native allocations) of process {@code pid}, in bytes. */
  public static long rssAnonBytes(long pid) {
    return statusField(pid, "RssAnon:");
  }

  /** File-backed resident memory (RssFile: mapped files such as the index, shared libraries) of {@code pid}, in bytes. */
  public static long rssFileBytes(long pid) {
    return statusField(pid, "RssFile:");
  }

  private static long statusField(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0])
              * BYTES_PER_KB;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  /** Total size of the regular files under {@code dir}, in bytes. */
  public static long directoryBytes(Path dir) {
    if (!Files.isDirectory(dir)) {
      return -1;
    }
    try (var files = Files.walk(dir)) {
      return files
          .filter(Files::isRegularFile)
          .mapToLong(p -> {
            try {
              return Files.size(p);
            } catch (IOException e) {
              return 0;
            }
          })
          .sum();
    } catch (IOException e) {
      return -1;
    }
  }
}
