package io.doppel.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Builds every image with scripts/images.sh and starts each the way Kubernetes runs it (read-only
 * root, user 10001, /tmp with exec), waiting for its HEALTHCHECK. Runs where a Docker engine
 * answers (`docker info`); says it is skipped otherwise, and with -Ddoppel.images=skip. The first
 * build downloads the base images and Maven dependencies: tens of minutes.
 */
class ImagesSmokeTest {

  @Test
  void everyImageBuildsAndStartsHealthy() throws Exception {
    assumeTrue(
        !"skip".equals(System.getProperty("doppel.images")), "SKIPPED: -Ddoppel.images=skip");
    assumeTrue(
        dockerEngineAnswers(),
        "SKIPPED: no Docker engine answers `docker info`: images not built or started");
    String version = "smoke-" + ProcessHandle.current().pid();

    assertThat(run(List.of("scripts/images.sh", "build", "--version", version), 90))
        .as("build")
        .isZero();
    assertThat(run(List.of("scripts/images.sh", "smoke", "--version", version), 30))
        .as("smoke")
        .isZero();
  }

  private static boolean dockerEngineAnswers() {
    try {
      Process process =
          new ProcessBuilder("docker", "info").redirectErrorStream(true).start();
      process.getInputStream().readAllBytes();
      return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  private static int run(List<String> command, int minutes) throws Exception {
    Process process = new ProcessBuilder(command)
        .directory(Repository.ROOT.toFile())
        .redirectErrorStream(true)
        .start();
    try (var out = process.getInputStream()) {
      out.transferTo(System.out);
    }
    if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " ran over " + minutes + " minutes");
    }
    return process.exitValue();
  }
}
