package io.doppel.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.matcher.index.milvus.MilvusServerExtension;
import io.doppel.testing.SyntheticImages;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doppel eval --index milvus} on a real Milvus server: the references' segments are sealed and indexed before
 * the queries run, and each copy's true reference is its best-scored prediction, as on the embedded index.
 */
@ExtendWith(MilvusServerExtension.class)
class MilvusEvalCommandIT {

  private static final int REFERENCES = 3;

  @TempDir
  Path work;

  @Test
  void copiesFindTheirReferenceThroughMilvusAfterTheReferencesAreSealed() throws IOException {
    Path refs = Files.createDirectories(work.resolve("refs"));
    Path queries = Files.createDirectories(work.resolve("queries"));
    for (int i = 0; i < REFERENCES; i++) {
      BufferedImage reference = SyntheticImages.texture(300 + i, 480, 360);
      SyntheticImages.writePng(reference, refs.resolve("ref" + i + ".png"));
      SyntheticImages.writePng(
          SyntheticImages.mirror(SyntheticImages.crop(reference, 0.2)),
          queries.resolve("copy" + i + ".png"));
    }
    Path predictions = work.resolve("predictions.csv");

    EvalCommandIT.RunResult run = EvalCommandIT.eval(
        "--refs", refs.toString(),
        "--queries", queries.toString(),
        "--out", predictions.toString(),
        "--index", "milvus",
        "--milvus-uri", MilvusServerExtension.uri(),
        "--work", work.resolve("stack").toString());

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stderr()).contains("references' segments sealed and indexed");
    Map<String, String> best = EvalCommandIT.bestReferencePerQuery(predictions);
    for (int i = 0; i < REFERENCES; i++) {
      assertThat(best).containsEntry("copy" + i, "ref" + i);
    }
  }
}
