package io.doppel.review.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.matcher.score.CalibrationFitter;
import io.doppel.matcher.score.CandidateFeatures;
import io.doppel.review.queue.Report;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchHints;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.ReviewDecision;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReviewLabelsTest {

  private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");

  @Test
  void confirmedAndDismissedPairsAreLabelsTheCalibrationFitterReads(@TempDir Path dir)
      throws Exception {
    Report copy = report("up-1", "ref-1", 0.91f, 40);
    Report falseMatch = report("up-2", "ref-2", 0.55f, 6);
    Report corrected = report("up-3", "ref-3", 0.70f, 12);
    List<ReviewDecision> decisions = List.of(
        decide(copy, ReviewAction.CONFIRM, 0),
        decide(falseMatch, ReviewAction.DISMISS, 1),
        decide(corrected, ReviewAction.DISMISS, 2),
        decide(corrected, ReviewAction.ALLOW_PAIR, 3),
        decide(copy, ReviewAction.ALLOW_UPLOADER, 4));

    Path csv = dir.resolve("labels.csv");
    Files.write(csv, ReviewLabels.csv(decisions));
    CalibrationFitter.Samples samples = CalibrationFitter.read(csv);

    assertThat(samples.labels()).containsExactly(1, 0, 1);
    assertThat(samples.features().get(1))
        .containsExactly(
            new CandidateFeatures(0.55f, 11, 6, 0.4f).vector(),
            org.assertj.core.data.Offset.offset(1e-6));
    assertThat(Files.readAllLines(csv).get(1))
        .startsWith("acme,up-1,studio,ref-1,")
        .contains(",rev,");
  }

  private static ReviewDecision decide(Report report, ReviewAction action, int minute) {
    return Decisions.of(report, 0, action, "rev", "reviewer", null, T0.plusSeconds(60L * minute));
  }

  private static Report report(String imageId, String referenceId, float similarity, int inliers) {
    MatchEvent event = MatchEvent.newBuilder()
        .setTenant("acme")
        .setImageId(imageId)
        .setPurpose(Purpose.UPLOAD)
        .setUploader("user-1")
        .setDecision(Decision.COPYRIGHT_VIOLATION)
        .setMatches(List.of(Match.newBuilder()
            .setTenant("studio")
            .setImageId(referenceId)
            .setKind(MatchKind.COPYRIGHT_VIOLATION)
            .setScore(0.9f)
            .setGlobalSimilarity(similarity)
            .setLocalVotes(inliers + 5)
            .setInliers(inliers)
            .setInlierAreaShare(0.4f)
            .setHints(MatchHints.newBuilder().build())
            .build()))
        .setPolicyVersion("p1")
        .setModelId("m")
        .setModelVersion("1")
        .setCalibrationVersion("c1")
        .setStageMicros(Map.of())
        .setUploadedAt(T0)
        .setDecidedAt(T0)
        .build();
    return new Report("violations-0-" + imageId, 0, event);
  }
}
