package io.doppel.standalone.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the figures were measured on. */
final class MachineInfo {

  private MachineInfo() {}

  static Map<String, Object> describe() {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("cpu", cpuModel());
    info.put("cores", Runtime.getRuntime().availableProcessors());
    info.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
    info.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
    info.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    return info;
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
