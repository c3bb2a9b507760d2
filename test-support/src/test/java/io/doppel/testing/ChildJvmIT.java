package io.doppel.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starts real child JVMs (this module's {@link Child}), so it runs with the integration tests. */
class ChildJvmIT {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  /** Prints its argument, a variable, the Avro property and its asserts' status, says it is ready, then waits to be killed. */
  public static final class Child {
    public static void main(String[] args) throws InterruptedException {
      System.out.println("arg=" + args[0] + " env=" + System.getenv("CHILD_JVM_TEST") + " avro="
          + System.getProperty(ChildJvm.AVRO_PACKAGES) + " ea="
          + Child.class.desiredAssertionStatus());
      if (args[0].equals("exit")) {
        System.exit(3);
      }
      System.out.println("child ready");
      System.out.flush();
      Thread.sleep(Long.MAX_VALUE);
    }
  }

  @Test
  void aChildRunsFromTheTestClasspathIsAwaitedAndKilled() {
    try (ChildJvm child = ChildJvm.of(Child.class.getName())
        .jvmOptions(List.of("-Xmx64m"))
        .args(List.of("hello"))
        .environment(Map.of("CHILD_JVM_TEST", "set"))
        .log(dir.resolve("child.log"))
        .start()) {
      child.awaitLine("child ready", TIMEOUT);

      assertThat(child.logTail())
          .contains("arg=hello env=set avro=" + System.getProperty(ChildJvm.AVRO_PACKAGES) + " ea="
              + ChildJvmIT.class.desiredAssertionStatus());
      assertThat(ChildJvmIT.class.desiredAssertionStatus())
          .as("Failsafe runs tests with -ea")
          .isTrue();
      child.kill();
      assertThat(child.isAlive()).isFalse();
    }
  }

  @Test
  void aChildThatDiesBeforeItIsReadyFailsTheWaitWithItsLog() {
    ChildJvm child = ChildJvm.of(Child.class.getName())
        .args(List.of("exit"))
        .log(dir.resolve("exit.log"))
        .start();

    assertThatThrownBy(() -> child.awaitLine("child ready", TIMEOUT))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exited with status 3")
        .hasMessageContaining("arg=exit");
    child.close();
  }

  @Test
  void aChildNotReadyInTimeIsKilled() {
    ChildJvm child = ChildJvm.of(Child.class.getName())
        .args(List.of("slow"))
        .log(dir.resolve("slow.log"))
        .start();

    assertThatThrownBy(
            () -> child.awaitReady(Duration.ofMillis(300), Duration.ofMillis(50), () -> false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("was not ready within");
    assertThat(child.isAlive()).isFalse();
    child.close();
  }
}
