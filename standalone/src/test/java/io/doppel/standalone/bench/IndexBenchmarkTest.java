package io.doppel.standalone.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The index benchmark on the embedded backend, at a toy size: it runs with its defaults and reports both operations. */
class IndexBenchmarkTest {

  @Test
  void theLuceneBackendRunsWithTheDefaultMilvusUriSetAndReportsBothOperations(@TempDir Path dir)
      throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      IndexBenchmark.main(new String[] {
        "--backend",
        "lucene",
        "--sizes",
        "50",
        "--queries",
        "5",
        "--local-images",
        "20",
        "--keypoints",
        "40",
        "--local-queries",
        "3",
        "--query-descriptors",
        "20",
        "--dir",
        dir.toString()
      });
    } finally {
      System.setOut(original);
    }
    String report = out.toString(StandardCharsets.UTF_8);
    assertThat(report).contains("searchGlobal").contains("searchLocal");
  }
}
