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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Renders a kustomization with a real kustomize, in this order of preference:
 *
 * <ol>
 *   <li>the pinned standalone kustomize that {@code k8s/tools/go-tool.sh kustomize} installs into
 *       the git-ignored {@code .tools/} (with {@code go install}; the version is pinned there);
 *   <li>{@code kubectl kustomize} (the kustomize built into kubectl, whatever its version);
 *   <li>neither: the {@code resources} lists are followed by hand and only the namespace is
 *       applied. The rendering says so ({@link Rendering#patchesApplied()} false), and every test
 *       that needs the real output skips with that reason instead of passing.
 * </ol>
 *
 * {@code -Ddoppel.kustomize=/path/to/kustomize} forces a binary; {@code -Ddoppel.kustomize=kubectl}
 * forces kubectl.
 */
final class Kustomize {

  /** The rendered resources, what rendered them, and whether patches and image overrides applied. */
  record Rendering(Path directory, List<HasMetadata> resources, String renderer) {
    boolean patchesApplied() {
      return renderer != null;
    }
  }

  /** The command that renders a directory (the directory is appended), and how to name it. */
  record Renderer(List<String> command, String description) {}

  private static final long TIMEOUT_SECONDS = 120;
  private static final long INSTALL_TIMEOUT_SECONDS = 900;
  private static final String KUSTOMIZATION = "kustomization.yaml";
  private static final Map<Path, Rendering> RENDERINGS = new ConcurrentHashMap<>();
  private static final Map<Path, String> OUTPUTS = new ConcurrentHashMap<>();

  /** Resolved once per test JVM: installing kustomize takes about a minute the first time. */
  private static volatile Optional<Renderer> renderer;

  private Kustomize() {}

  /** Renders once per directory and test run: every test reads the same output. */
  static Rendering render(Path directory) {
    return RENDERINGS.computeIfAbsent(directory.toAbsolutePath().normalize(), Kustomize::renderNow);
  }

  /** The raw YAML of a real rendering; empty where no kustomize is available. */
  static Optional<String> renderedYaml(Path directory) {
    Path key = directory.toAbsolutePath().normalize();
    render(key);
    return Optional.ofNullable(OUTPUTS.get(key));
  }

  private static Rendering renderNow(Path directory) {
    Optional<Renderer> real = renderer();
    if (real.isPresent()) {
      String yaml = run(real.get(), directory);
      OUTPUTS.put(directory, yaml);
      return new Rendering(
          directory, List.copyOf(Manifests.parse(yaml)), real.get().description());
    }
    System.out.println(
        "SKIPPED real rendering: neither the pinned kustomize nor kubectl is available; rendered "
            + Repository.ROOT.relativize(directory)
            + " from its resources lists only, patches and image overrides NOT applied");
    return resolveWithoutKustomize(directory);
  }

  /** The real renderer, if any; the reason there is none is printed once. */
  static synchronized Optional<Renderer> renderer() {
    if (renderer == null) {
      renderer = findRenderer();
      System.out.println(renderer
          .map(found -> "kustomize renderer: " + found.description())
          .orElse("kustomize renderer: none (tests that need a real rendering are skipped)"));
    }
    return renderer;
  }

  static boolean realRendererAvailable() {
    return renderer().isPresent();
  }

  private static Optional<Renderer> findRenderer() {
    String forced = System.getProperty("doppel.kustomize", "").trim();
    if (forced.equals("kubectl")) {
      return kubectl();
    }
    if (!forced.isEmpty()) {
      return Optional.of(standalone(Path.of(forced)));
    }
    Optional<Path> pinned = pinnedKustomize();
    if (pinned.isPresent()) {
      return Optional.of(standalone(pinned.get()));
    }
    return kubectl();
  }

  private static Renderer standalone(Path binary) {
    String version = versionOf(List.of(binary.toString(), "version"));
    return new Renderer(
        List.of(binary.toString(), "build"), "kustomize " + version + " (" + binary + ")");
  }

  private static Optional<Renderer> kubectl() {
    return onPath("kubectl")
        .map(kubectl -> new Renderer(
            List.of(kubectl.toString(), "kustomize"),
            "kubectl kustomize ("
                + versionOf(List.of(kubectl.toString(), "version", "--client")).replace('\n', ' ')
                + ")"));
  }

  /** The pinned kustomize from k8s/tools/go-tool.sh, installed on first use. */
  private static Optional<Path> pinnedKustomize() {
    Path script = Repository.K8S.resolve("tools/go-tool.sh");
    try {
      Process process = new ProcessBuilder("bash", script.toString(), "kustomize")
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
      String out =
          new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!process.waitFor(INSTALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        System.out.println("the pinned kustomize did not install in time; trying kubectl");
        return Optional.empty();
      }
      if (process.exitValue() != 0 || out.isEmpty()) {
        System.out.println("the pinned kustomize is not available (go-tool.sh exit "
            + process.exitValue() + "); trying kubectl");
        return Optional.empty();
      }
      return Optional.of(Path.of(out));
    } catch (IOException e) {
      System.out.println("cannot run " + script + ": " + e.getMessage() + "; trying kubectl");
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String entry : path.split(java.io.File.pathSeparator)) {
      if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, name))) {
        return Optional.of(Path.of(entry, name));
      }
    }
    return Optional.empty();
  }

  /**
   * The fallback rendering: resources lists followed, namespace applied, ConfigMap generators
   * turned into ConfigMaps of their files (without a name suffix), patches not applied.
   */
  static Rendering resolveWithoutKustomize(Path directory) {
    return new Rendering(directory, List.copyOf(resolveResources(directory, null)), null);
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
    String namespace = outerNamespace != null
        ? outerNamespace
        : kustomization.path("namespace").asText(null);
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
    for (JsonNode generator : kustomization.path("configMapGenerator")) {
      io.fabric8.kubernetes.api.model.ConfigMapBuilder configMap =
          new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
              .withNewMetadata()
              .withName(generator.path("name").asText())
              .withNamespace(namespace)
              .endMetadata();
      for (JsonNode file : generator.path("files")) {
        try {
          configMap.addToData(
              Path.of(file.asText()).getFileName().toString(),
              Files.readString(directory.resolve(file.asText())));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      resources.add(configMap.build());
    }
    return resources;
  }

  private static String versionOf(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out =
          new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "version unknown: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "version unknown";
    }
  }

  private static String run(Renderer renderer, Path directory) {
    List<String> command = new ArrayList<>(renderer.command());
    command.add(directory.toString());
    try {
      Process process = new ProcessBuilder(command)
          .redirectError(ProcessBuilder.Redirect.PIPE)
          .start();
      byte[] out = process.getInputStream().readAllBytes();
      String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(String.join(" ", command) + " did not finish");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed:\n" + err);
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
