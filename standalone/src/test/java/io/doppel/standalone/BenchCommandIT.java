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
 * {@code doppel bench} on generated images through the real embedded stack: the warm-up, throughput and latency runs
 * each get their uploads answered, and the report says whether their images were distinct.
 */
class BenchCommandIT {

  private static final int REFERENCES = 3;

  @TempDir
  Path work;

  @Test
  void warmUpThroughputAndLatencyRunsAreReportedAndUseDistinctImages() throws Exception {
    JsonNode distinct = bench(8, "2", "4", "2");

    assertThat(distinct.at("/warmup/uploads").asInt()).isEqualTo(2);
    assertThat(distinct.at("/throughput/uploads").asInt()).isEqualTo(4);
    assertThat(distinct.at("/throughput/uploads_per_second").asDouble()).isPositive();
    assertThat(distinct.at("/throughput/distinct_images").asBoolean()).isTrue();
    assertThat(distinct.at("/latency/count").asInt()).isEqualTo(2);
    assertThat(distinct.at("/index/images").asInt()).isEqualTo(REFERENCES + 2 + 4 + 2);
  }

  @Test
  void aFolderTooSmallForTheRunsIsCycledAndSaidSo() throws Exception {
    JsonNode cycled = bench(5, "2", "4", "2");

    assertThat(cycled.at("/throughput/distinct_images").asBoolean()).isFalse();
    assertThat(cycled.at("/latency/count").asInt()).isEqualTo(2);
  }

  private JsonNode bench(int uploadFiles, String warmup, String count, String latencyCount)
      throws Exception {
    Path refs = Files.createDirectories(work.resolve("refs-" + uploadFiles));
    Path uploads = Files.createDirectories(work.resolve("uploads-" + uploadFiles));
    for (int i = 0; i < REFERENCES; i++) {
      SyntheticImages.writePng(
          SyntheticImages.texture(300 + i, 320, 240), refs.resolve("ref" + i + ".png"));
    }
    for (int i = 0; i < uploadFiles; i++) {
      SyntheticImages.writePng(
          SyntheticImages.texture(400 + i, 320, 240), uploads.resolve("up" + i + ".png"));
    }
    PrintStream originalOut = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int exit;
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      exit = Doppel.run(new String[] {
        "bench",
        "--refs",
        refs.toString(),
        "--uploads",
        uploads.toString(),
        "--warmup",
        warmup,
        "--count",
        count,
        "--latency-count",
        latencyCount,
        "--rate",
        "4",
        "--index-sizes",
        "0",
        "--work",
        work.resolve("stack-" + uploadFiles).toString(),
        "--json"
      });
    } finally {
      System.setOut(originalOut);
    }
    String output = captured.toString(StandardCharsets.UTF_8);
    originalOut.print(output);
    assertThat(exit).isZero();
    // the report is the JSON object that starts on a line of its own (log lines before it may hold
    // braces too)
    return new ObjectMapper()
        .readTree(output.substring(output.startsWith("{\n") ? 0 : output.indexOf("\n{\n") + 1));
  }
}
