package io.doppel.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The alert rules as Prometheus itself reads them, with the promtool that {@code k8s/tools/go-tool.sh
 * promtool} puts into .tools/ (Debian's prometheus package unpacked, in seconds; else built with
 * {@code go install}, about 8 minutes the first time on two cores): every expression parses, and the unit tests in
 * src/test/resources/promtool feed synthetic series and expect exactly the alerts that must fire
 * (the SLO burn rates, dead letters by reason, lag per stage, pods not ready). Without either the
 * tests say they are skipped.
 */
class PrometheusRulesTest {

  private static final Path ALERTS = Repository.DEPLOY.resolve("prometheus/alerts.yml");
  private static final Path UNIT_TESTS =
      Repository.K8S.resolve("src/test/resources/promtool/alerts-test.yml");

  private static Optional<Path> promtool;

  @BeforeAll
  static void install() throws Exception {
    promtool = goTool("promtool");
  }

  @Test
  void everyRuleParses() throws Exception {
    String out = run(List.of("check", "rules", ALERTS.toString()));
    System.out.println(out);
    assertThat(out).contains("SUCCESS");
  }

  @Test
  void theRulesUnitTestsPass() throws Exception {
    String out = run(List.of("test", "rules", UNIT_TESTS.toString()));
    System.out.println(out);
    assertThat(out).contains("SUCCESS").doesNotContain("FAILED");
  }

  private static String run(List<String> arguments) throws Exception {
    assumeTrue(
        promtool.isPresent(),
        "SKIPPED: no promtool (k8s/tools/go-tool.sh promtool needs a Go toolchain): the rules were not run");
    List<String> command = new ArrayList<>();
    command.add(promtool.get().toString());
    command.addAll(arguments);
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command) + "\n" + out).isZero();
    return out;
  }

  /** The pinned tool from go-tool.sh, installing it on first use; empty where it cannot. */
  static Optional<Path> goTool(String tool) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(
            "bash", Repository.K8S.resolve("tools/go-tool.sh").toString(), tool)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0 || out.isEmpty()) {
      System.out.println("SKIPPED: " + tool + " is not available (go-tool.sh exit "
          + (process.isAlive() ? "timeout" : process.exitValue()) + ")");
      return Optional.empty();
    }
    return Optional.of(Path.of(out));
  }
}
