package io.doppel.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DoppelTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "eval",
        "bench",
        "bench-extract",
        "bench-index",
        "soak",
        "reindex",
        "calibrate",
        "demo",
        "upload",
        "tail"
      })
  void everyCommandPrintsItsOwnUsageOnHelpAndDoesNothingElse(String command) {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      exit = Doppel.run(new String[] {command, "--help"});
    } finally {
      System.setOut(out);
    }

    assertThat(exit).isZero();
    assertThat(captured.toString(StandardCharsets.UTF_8)).contains("doppel " + command);
  }
}
