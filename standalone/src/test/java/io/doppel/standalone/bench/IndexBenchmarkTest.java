package io.doppel.standalone.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.testing.SyntheticImages;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The index benchmark on the embedded backend, at toy sizes: it runs with its defaults and reports both operations. */
class IndexBenchmarkTest {

  @Test
  void theLuceneBackendRunsWithTheDefaultMilvusUriSetAndReportsBothOperations(@TempDir Path dir)
      throws Exception {
    String report = run(
        "--backend",
        "lucene",
        "--sizes",
        "50",
        "--queries",
        "5",
        "--local-sizes",
        "20",
        "--keypoints",
        "40",
        "--local-queries",
        "3",
        "--query-descriptors",
        "20",
        "--dir",
        dir.toString());
    assertThat(report).contains("searchGlobal").contains("searchLocal");
  }

  @Test
  void localRecallIsMeasuredAtEachSizeOverDescriptorsSampledFromPhotos(@TempDir Path dir)
      throws Exception {
    Path photos = Files.createDirectory(dir.resolve("photos"));
    for (int i = 0; i < 3; i++) {
      SyntheticImages.writePng(
          SyntheticImages.texture(i, 320, 240), photos.resolve("photo-" + i + ".png"));
    }
    String report = run(
        "--backend",
        "lucene",
        "--sizes",
        "0",
        "--local-sizes",
        "30,15",
        "--keypoints",
        "40",
        "--local-queries",
        "3",
        "--query-descriptors",
        "20",
        "--descriptors",
        photos.toString(),
        "--dir",
        dir.resolve("index").toString());
    List<String> local =
        report.lines().filter(line -> line.contains("searchLocal")).toList();
    assertThat(local).hasSize(2);
    // sizes ascending; every queried image found first at both sizes; a heap figure per image
    assertThat(local.get(0))
        .containsPattern("searchLocal\\s+15\\s")
        .containsPattern("1\\.00\\s+-$");
    assertThat(local.get(1))
        .containsPattern("searchLocal\\s+30\\s")
        .containsPattern("1\\.00\\s+-$");
    assertThat(local.get(1).split("\\s+")[8]).matches("\\d+");
    assertThat(report).doesNotContain("searchGlobal");
  }

  @Test
  void aSmallestLocalSizeBelowTheQueriedImagesIsRefused() {
    assertThatThrownBy(() -> run("--local-sizes", "12", "--local-queries", "3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must hold the 13 images queried");
  }

  private static String run(String... args) throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      IndexBenchmark.main(args);
    } finally {
      System.setOut(original);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
