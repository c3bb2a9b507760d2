package io.doppel.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.testing.SyntheticImages;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doppel eval} end to end on generated images, through the real embedded stack: each copy's true reference is
 * its best-scored prediction; folders given as relative paths with ".." work (file roots and file:// URIs refuse
 * un-normalised paths); an image that cannot be processed makes the command fail, with its reason printed.
 */
class EvalCommandIT {

  private static final int REFERENCES = 4;
  private static final double CROPPED_SHARE = 0.2;

  @TempDir
  Path work;

  @Test
  void copiesFindTheirReferenceAndAnUnreadableQueryFailsTheRun() throws IOException {
    Path refs = Files.createDirectories(work.resolve("data/refs"));
    Path queries = Files.createDirectories(work.resolve("data/queries"));
    for (int i = 0; i < REFERENCES; i++) {
      BufferedImage reference = SyntheticImages.texture(100 + i, 480, 360);
      SyntheticImages.writePng(reference, refs.resolve("ref" + i + ".png"));
      SyntheticImages.writePng(
          SyntheticImages.mirror(SyntheticImages.crop(reference, CROPPED_SHARE)),
          queries.resolve("copy" + i + ".png"));
    }
    Files.writeString(queries.resolve("broken.jpg"), "not an image");
    Path predictions = work.resolve("predictions.csv");
    Path relativeRefs = Path.of("").toAbsolutePath().relativize(refs);
    assertThat(relativeRefs.toString()).contains("..");

    RunResult run = eval(
        "--refs",
        relativeRefs.toString(),
        "--queries",
        queries.toString(),
        "--out",
        predictions.toString(),
        "--work",
        work.resolve("stack").toString());

    assertThat(run.exitCode()).as(run.stderr()).isEqualTo(1);
    assertThat(run.stderr()).contains("query broken dead-lettered").contains("FAILED: 1 images");
    Map<String, String> bestReference = bestReferencePerQuery(predictions);
    for (int i = 0; i < REFERENCES; i++) {
      assertThat(bestReference).containsEntry("copy" + i, "ref" + i);
    }
    assertThat(bestReference).doesNotContainKey("broken");
  }

  record RunResult(int exitCode, String stderr) {}

  static RunResult eval(String... options) {
    String[] argv = new String[options.length + 1];
    argv[0] = "eval";
    System.arraycopy(options, 0, argv, 1, options.length);
    PrintStream originalErr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      return new RunResult(Doppel.run(argv), captured.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(originalErr);
      originalErr.print(captured.toString(StandardCharsets.UTF_8));
    }
  }

  /** query id → the reference of its highest-scored row. */
  static Map<String, String> bestReferencePerQuery(Path predictions) throws IOException {
    List<String[]> rows = Files.readAllLines(predictions).stream()
        .skip(1)
        .map(line -> line.split(","))
        .toList();
    return rows.stream()
        .collect(Collectors.groupingBy(
            row -> row[0],
            Collectors.collectingAndThen(
                Collectors.maxBy(
                    Comparator.comparingDouble((String[] row) -> Double.parseDouble(row[2]))),
                best -> best.orElseThrow()[1])));
  }
}
