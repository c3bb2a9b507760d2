package io.doppel.extractor.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.doppel.extractor.Fixtures;
import io.doppel.testing.ImageFiles;
import io.doppel.testing.SyntheticImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExtractorBenchmarkTest {

  @Test
  void reportsThroughputPhasesAndFailuresAsJson(@TempDir Path images) throws Exception {
    for (int i = 0; i < 6; i++) {
      Files.write(
          images.resolve("img-" + i + ".jpg"),
          ImageFiles.encode(SyntheticImages.texture(100 + i, 240, 180), "jpeg"));
    }
    Files.write(images.resolve("broken.png"), new byte[] {1, 2, 3});
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int exit = ExtractorBenchmark.run(
        new String[] {
          "--images",
          images.toString(),
          "--batch",
          "4",
          "--model",
          Fixtures.FIXTURE_MANIFEST,
          "--json"
        },
        new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
    JsonNode report = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
    assertThat(report.get("images").asInt()).isEqualTo(7);
    assertThat(report.get("extracted").asInt()).isEqualTo(6);
    assertThat(report.get("failures").get("UNSUPPORTED_FORMAT").asInt()).isEqualTo(1);
    assertThat(report.get("device").asText()).isEqualTo("cpu");
    assertThat(report.get("imagesPerSecond").asDouble()).isPositive();
    assertThat(report.get("phases").fieldNames())
        .toIterable()
        .containsExactly("fetch", "decode", "preprocess", "model", "local", "total");
    assertThat(report.get("phases").get("local").get("p99Ms").asDouble()).isPositive();
  }

  @Test
  void badArgumentsGiveUsageAndExitCode2() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = ExtractorBenchmark.run(
        new String[] {"--batch", "zero"},
        new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--batch").contains("usage");
  }
}
