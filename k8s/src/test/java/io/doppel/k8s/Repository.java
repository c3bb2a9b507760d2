package io.doppel.k8s;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths in the Doppel repository, resolved from the k8s module that runs the tests. */
final class Repository {

  static final Path ROOT = locateRoot();
  static final Path K8S = ROOT.resolve("k8s");
  static final Path DEPLOY = ROOT.resolve("deploy");
  static final Path RUNBOOK = ROOT.resolve("docs/runbook.md");
  static final java.util.List<String> OVERLAYS = java.util.List.of("dev", "production");
  /** Jobs applied by hand beside an overlay (docs/runbook.md). */
  static final java.util.List<String> JOBS =
      java.util.List.of("jobs/reindex", "jobs/first-violation");

  private Repository() {}

  private static Path locateRoot() {
    String configured = System.getProperty("doppel.repository.root");
    Path root = (configured != null ? Path.of(configured) : Path.of(".."))
        .toAbsolutePath()
        .normalize();
    if (!Files.isDirectory(root.resolve("k8s/base"))) {
      throw new IllegalStateException(
          "no k8s/base under " + root + "; run the tests from the k8s module");
    }
    return root;
  }

  /** Everything kustomize renders on its own: the base, each overlay, each job, and the component's example. */
  static java.util.List<Path> renderable() {
    java.util.List<Path> directories = new java.util.ArrayList<>();
    directories.add(K8S.resolve("base"));
    OVERLAYS.forEach(overlay -> directories.add(overlay(overlay)));
    JOBS.forEach(job -> directories.add(K8S.resolve(job)));
    directories.add(K8S.resolve("components/examples/console-sign-in"));
    return directories;
  }

  static Path overlay(String name) {
    return K8S.resolve("overlays").resolve(name);
  }
}
