package io.doppel.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.doppel.testing.SyntheticImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doppel soak} on generated images through the real embedded stack: every upload is answered although its id is
 * sent again and again, the index stops growing at references + id pool, and memory is sampled with a drift fitted.
 */
class SoakCommandIT {

  private static final int REFERENCES = 3;
  private static final int UPLOAD_FILES = 4;
  private static final int ID_POOL = 6;
  private static final double MINUTES = 0.25;
  private static final double RATE = 4;

  @TempDir
  Path work;

  @Test
  void reUsedIdsAreAllAnsweredAndMemoryIsSampled() throws Exception {
    Path refs = Files.createDirectories(work.resolve("refs"));
    Path uploads = Files.createDirectories(work.resolve("uploads"));
    for (int i = 0; i < REFERENCES; i++) {
      SyntheticImages.writePng(
          SyntheticImages.texture(300 + i, 320, 240), refs.resolve("ref" + i + ".png"));
    }
    for (int i = 0; i < UPLOAD_FILES; i++) {
      SyntheticImages.writePng(
          SyntheticImages.texture(400 + i, 320, 240), uploads.resolve("up" + i + ".png"));
    }

    PrintStream originalOut = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      exit = Doppel.run(new String[] {
        "soak",
        "--refs",
        refs.toString(),
        "--uploads",
        uploads.toString(),
        "--minutes",
        Double.toString(MINUTES),
        "--rate",
        Double.toString(RATE),
        "--ids",
        Integer.toString(ID_POOL),
        "--sample-seconds",
        "3",
        "--warm-up-minutes",
        "0.05",
        "--work",
        work.resolve("stack").toString(),
        "--json"
      });
    } finally {
      System.setOut(originalOut);
    }
    String output = captured.toString(StandardCharsets.UTF_8);
    originalOut.print(output);
    // the report is the JSON object that starts on a line of its own (log lines before it may hold
    // braces too)
    JsonNode report = new ObjectMapper()
        .readTree(output.substring(output.startsWith("{\n") ? 0 : output.indexOf("\n{\n") + 1));

    long uploadsSent = (long) (MINUTES * 60 * RATE);
    assertThat(exit).isZero();
    assertThat(report.at("/run/uploads").asLong()).isEqualTo(uploadsSent);
    assertThat(report
            .at("/run/uploads_still_in_flight_when_their_id_came_round_again")
            .isNumber())
        .isTrue();
    JsonNode samples = report.get("samples");
    assertThat(samples.size()).isGreaterThanOrEqualTo(3);
    JsonNode last = samples.get(samples.size() - 1);
    assertThat(last.get("sent").asLong()).isEqualTo(uploadsSent);
    assertThat(last.get("outcomes").asLong())
        .as("every upload answered, re-used ids included")
        .isEqualTo(uploadsSent);
    assertThat(last.get("rssAnonBytes").asLong()).isPositive();
    assertThat(last.get("heapAfterGcBytes").asLong()).isPositive();
    assertThat(last.get("latency").get("count").asInt()).isPositive();
    assertThat(report.at("/drift_mb_per_hour_after_warm_up/samples").asInt())
        .isGreaterThanOrEqualTo(2);
  }
}
