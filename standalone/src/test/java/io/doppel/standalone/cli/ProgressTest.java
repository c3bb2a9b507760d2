package io.doppel.standalone.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressTest {

  @Test
  void testJvmsStreamsAreNoTerminal() {
    // Surefire's forked JVM talks over pipes: on JDK 22 to 24 System.console() is not null there,
    // yet no terminal.
    assertThat(Progress.isTerminal(System.console())).isFalse();
    assertThat(Progress.isTerminal(null)).isFalse();
  }
}
