package io.doppel.extractor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.extractor.Fixtures;
import io.doppel.extractor.TestUploads;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.testing.ChildJvm;
import io.doppel.testing.ImageFiles;
import io.doppel.testing.SyntheticImages;
import io.doppel.topology.extract.Extraction;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A burst of small, highly compressed huge images, as an attacker sends them: solid-colour PNGs of a few KB that decode
 * to 40 and 9 megapixels, in one batch, through the real extractor in a JVM with a 1 GiB heap (that exits on an
 * OutOfMemoryError, as the pods do). Without a memory budget every image of the batch is held decoded until the model
 * call and the heap runs out; with it, every upload ends as features or a dead letter.
 */
class BurstOfHugeImagesIT {

  private static final Duration TIMEOUT = Duration.ofMinutes(4);
  private static final Pattern OUTCOME =
      Pattern.compile("^OUTCOME (\\S+) (\\S+)$", Pattern.MULTILINE);

  @TempDir
  Path dir;

  @Test
  void aBurstOfHugeSolidPngsEndsAsFeaturesOrDeadLettersAtOneGibibyte() throws Exception {
    Files.write(
        dir.resolve("huge.png"),
        ImageFiles.encode(SyntheticImages.solid(6400, 6200, new Color(0x33, 0xaa, 0x77)), "png"));
    Files.write(
        dir.resolve("large.png"),
        ImageFiles.encode(SyntheticImages.solid(3000, 3000, new Color(0x77, 0x33, 0xaa)), "png"));
    assertThat(Files.size(dir.resolve("huge.png"))).as("a few KB compressed").isLessThan(1_000_000);

    try (ChildJvm child = ChildJvm.of(Burst.class.getName())
        .jvmOptions(
            List.of("-Xmx1g", "-XX:+ExitOnOutOfMemoryError", "--enable-native-access=ALL-UNNAMED"))
        .args(List.of(dir.toString()))
        .log(dir.resolve("child.log"))
        .start()) {
      child.awaitLine("BURST DONE", TIMEOUT);
      String output = child.logTail();
      List<String> outcomes = new ArrayList<>();
      Matcher m = OUTCOME.matcher(Files.readString(dir.resolve("child.log")));
      while (m.find()) {
        outcomes.add(m.group(1) + " " + m.group(2));
      }

      assertThat(output).doesNotContain("OutOfMemoryError");
      assertThat(outcomes).hasSize(Burst.HUGE + Burst.LARGE);
      assertThat(outcomes)
          .filteredOn(o -> o.startsWith("huge-"))
          .allSatisfy(o -> assertThat(o).endsWith(" " + DeadLetterReason.TOO_MANY_PIXELS));
      assertThat(outcomes)
          .filteredOn(o -> o.startsWith("large-"))
          .allSatisfy(o -> assertThat(o).endsWith(" features"));
    }
  }

  /** The child: one batch of {@value #HUGE} huge and {@value #LARGE} large uploads, one OUTCOME line per upload. */
  public static final class Burst {
    static final int HUGE = 12;
    static final int LARGE = 8;

    public static void main(String[] args) throws Exception {
      Path dir = Path.of(args[0]);
      byte[] huge = Files.readAllBytes(dir.resolve("huge.png"));
      byte[] large = Files.readAllBytes(dir.resolve("large.png"));
      List<UploadEvent> batch = new ArrayList<>();
      for (int i = 0; i < Math.max(HUGE, LARGE); i++) {
        if (i < HUGE) {
          batch.add(TestUploads.inline("huge-" + i, huge));
        }
        if (i < LARGE) {
          batch.add(TestUploads.inline("large-" + i, large));
        }
      }
      try (PipelineFeatureExtractor extractor =
          new PipelineFeatureExtractor(Fixtures.config("pipeline.worker-threads", "4"))) {
        List<Extraction> results = extractor.extract(batch);
        for (int i = 0; i < batch.size(); i++) {
          String outcome = switch (results.get(i)) {
            case Extraction.Extracted extracted -> "features";
            case Extraction.Failed failed -> failed.reason().toString();
          };
          System.out.println("OUTCOME " + batch.get(i).getImageId() + " " + outcome);
        }
      }
      System.out.println("BURST DONE");
    }
  }
}
