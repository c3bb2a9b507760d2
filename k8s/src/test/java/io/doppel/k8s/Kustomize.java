package io.doppel.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization. With {@code kubectl} on the PATH it is {@code kubectl kustomize DIR},
 * patches and all. Without it, the {@code resources} lists are followed by hand and only the
 * namespace is applied; the result says so, and tests that depend on patches skip.
 */
final class Kustomize {

  /** The rendered resources, and whether patches and image overrides were applied. */
  record Rendering(Path directory, List<HasMetadata> resources, boolean patchesApplied) {}

  private static final long KUBECTL_TIMEOUT_SECONDS = 120;
  private static final String KUSTOMIZATION = "kustomization.yaml";

  private Kustomize() {}

  /** Renders once per directory and test run: kubectl is slow and every test reads the same. */
  private static final java.util.Map<Path, Rendering> RENDERINGS =
      new java.util.concurrent.ConcurrentHashMap<>();

  static Rendering render(Path directory) {
    return RENDERINGS.computeIfAbsent(directory.toAbsolutePath().normalize(), Kustomize::renderNow);
  }

  private static Rendering renderNow(Path directory) {
    if (kubectlAvailable()) {
      return new Rendering(directory, List.copyOf(Manifests.parse(kubectl(directory))), true);
    }
    System.out.println(
        "kubectl not found on the PATH: rendered "
            + Repository.ROOT.relativize(directory)
            + " from its resources lists only; patches and image overrides were NOT applied");
    return resolveWithoutKubectl(directory);
  }

  /** The fallback rendering: resources lists followed, namespace applied, patches not. */
  static Rendering resolveWithoutKubectl(Path directory) {
    return new Rendering(directory, List.copyOf(resolveResources(directory, null)), false);
  }

  static boolean kubectlAvailable() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String entry : path.split(java.io.File.pathSeparator)) {
      if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, "kubectl"))) {
        return true;
      }
    }
    return false;
  }

  /** Every manifest file the kustomization tree under {@code directory} lists, recursively. */
  static List<Path> resourceFiles(Path directory) {
    List<Path> files = new ArrayList<>();
    JsonNode kustomization = Manifests.readYaml(directory.resolve(KUSTOMIZATION));
    for (JsonNode entry : kustomization.path("resources")) {
      Path resource = directory.resolve(entry.asText()).normalize();
      if (Files.isDirectory(resource)) {
        files.addAll(resourceFiles(resource));
      } else {
        files.add(resource);
      }
    }
    return files;
  }

  private static List<HasMetadata> resolveResources(Path directory, String outerNamespace) {
    JsonNode kustomization = Manifests.readYaml(directory.resolve(KUSTOMIZATION));
    String namespace =
        outerNamespace != null ? outerNamespace : kustomization.path("namespace").asText(null);
    List<HasMetadata> resources = new ArrayList<>();
    for (JsonNode entry : kustomization.path("resources")) {
      Path resource = directory.resolve(entry.asText()).normalize();
      if (Files.isDirectory(resource)) {
        resources.addAll(resolveResources(resource, namespace));
      } else {
        for (HasMetadata parsed : Manifests.parse(resource)) {
          if (namespace != null) {
            parsed.getMetadata().setNamespace(namespace);
          }
          resources.add(parsed);
        }
      }
    }
    return resources;
  }

  private static String kubectl(Path directory) {
    try {
      Process process =
          new ProcessBuilder("kubectl", "kustomize", directory.toString())
              .redirectError(ProcessBuilder.Redirect.PIPE)
              .start();
      byte[] out = process.getInputStream().readAllBytes();
      String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(KUBECTL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("kubectl kustomize " + directory + " did not finish");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException("kubectl kustomize " + directory + " failed:\n" + err);
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
