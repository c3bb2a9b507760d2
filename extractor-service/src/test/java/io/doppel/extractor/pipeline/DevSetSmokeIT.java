package io.doppel.extractor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.doppel.extractor.Fixtures;
import io.doppel.extractor.TestUploads;
import io.doppel.schemas.avro.FeatureView;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.topology.extract.Extraction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Real photos from the DEV set (../shared/eval/dev, next to the repository); skipped where it is absent. */
class DevSetSmokeIT {

  private static final int SAMPLE = 24;
  /** Failsafe runs in the module directory; the shared folder sits next to the repository root. */
  private static final Path DEV_REFS = Path.of("")
      .toAbsolutePath()
      .getParent()
      .resolve("../shared/eval/dev/refs")
      .normalize();

  @Test
  void realPhotosAllExtractWithKeypoints() throws Exception {
    assumeTrue(
        Files.isDirectory(DEV_REFS),
        "DEV set not found at " + DEV_REFS + "; skipping the real-photo smoke test");
    List<UploadEvent> events;
    try (Stream<Path> files = Files.list(DEV_REFS)) {
      events = files
          .filter(p -> p.toString().endsWith(".jpg"))
          .sorted()
          .limit(SAMPLE)
          .map(p -> TestUploads.fromSource(p.getFileName().toString(), p.toUri().toString()))
          .toList();
    }
    try (PipelineFeatureExtractor extractor =
        new PipelineFeatureExtractor(Fixtures.config("fetch.file-roots", DEV_REFS.toString()))) {
      List<Extraction> results = extractor.extract(events);

      assertThat(results)
          .hasSize(events.size())
          .allSatisfy(r -> assertThat(r).isInstanceOf(Extraction.Extracted.class));
      long withKeypoints = results.stream()
          .map(r -> ((Extraction.Extracted) r).features().getViews().getFirst())
          .map(FeatureView::getKeypoints)
          .filter(k -> k.size() >= 50)
          .count();
      assertThat(withKeypoints)
          .as("photos with at least 50 keypoints")
          .isGreaterThanOrEqualTo(SAMPLE * 9 / 10);
    }
  }
}
