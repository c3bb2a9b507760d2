package io.doppel.review.queue;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.review.feedback.Decisions;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchHints;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.ReviewDecision;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportQueueTest {

  private static final Instant T0 = Instant.parse("2026-06-01T10:00:00Z");

  private final ReportQueue queue = new ReportQueue(3, 100);

  @Test
  void reportsComeNewestFirstAndOnlyDuplicatesAndViolationsAreQueued() {
    queue.accept("v-1", event("a", "img-1", Decision.COPYRIGHT_VIOLATION, 0.9f, "studio", 1));
    queue.accept("o-1", event("a", "img-2", Decision.CLEAN, 0.1f, null, 2));
    queue.accept("d-1", event("a", "img-3", Decision.DUPLICATE, 0.7f, null, 3));

    assertThat(queue.list(ReportFilter.ALL, 10))
        .extracting(Report::id)
        .containsExactly("d-1", "v-1");
  }

  @Test
  void theOldestFallOutAndAReplayedRecordIsIgnored() {
    for (int i = 0; i < 5; i++) {
      queue.accept(
          "v-" + i, event("a", "img-" + i, Decision.COPYRIGHT_VIOLATION, 0.9f, "studio", i));
    }
    queue.accept("v-4", event("a", "img-4", Decision.COPYRIGHT_VIOLATION, 0.9f, "studio", 4));

    assertThat(queue.list(ReportFilter.ALL, 10))
        .extracting(Report::id)
        .containsExactly("v-4", "v-3", "v-2");
    assertThat(queue.get("v-0")).isEmpty();
  }

  @Test
  void filtersByTenantDecisionScoreRightsHolderAndReview() {
    queue.accept("v-1", event("a", "img-1", Decision.COPYRIGHT_VIOLATION, 0.95f, "studio", 1));
    queue.accept("v-2", event("b", "img-2", Decision.COPYRIGHT_VIOLATION, 0.6f, "label", 2));
    queue.accept("d-1", event("a", "img-3", Decision.DUPLICATE, 0.8f, null, 3));

    assertThat(ids(new ReportFilter("a", null, null, null, false))).containsExactly("d-1", "v-1");
    assertThat(ids(new ReportFilter(null, Decision.COPYRIGHT_VIOLATION, null, null, false)))
        .containsExactly("v-2", "v-1");
    assertThat(ids(new ReportFilter(null, null, 0.7f, null, false))).containsExactly("d-1", "v-1");
    assertThat(ids(new ReportFilter(null, null, null, "label", false))).containsExactly("v-2");

    Report decided = queue.get("v-1").orElseThrow();
    ReviewDecision dismissal =
        Decisions.of(decided, 0, ReviewAction.DISMISS, "rev", "reviewer", null, T0);
    queue.accept(dismissal);
    assertThat(ids(new ReportFilter(null, null, null, null, true))).containsExactly("d-1", "v-2");
    assertThat(queue.decisionsOn(decided)).containsExactly(dismissal);
  }

  @Test
  void remembersWhereImagesLiveFromEveryDecisionTopic() {
    queue.accept("o-1", event("a", "ref-1", Decision.REGISTERED, 0f, null, 1));

    assertThat(queue.sourceOf("a", "ref-1"))
        .contains(new ReportQueue.ImageSource("file:///images/ref-1.png", null));
    queue.accept(
        "o-2",
        MatchEvent.newBuilder(event("a", "ref-2", Decision.REGISTERED, 0f, null, 2))
            .setContentSha256("ab".repeat(32))
            .build());
    assertThat(queue.sourceOf("a", "ref-2").orElseThrow().sha256()).isEqualTo("ab".repeat(32));
    assertThat(queue.sourceOf("a", "unknown")).isEmpty();
  }

  @Test
  void listsAndCountsOnlyTheTenantsAViewerMaySee() {
    twoTenants();
    assertThat(queue.list(ReportFilter.ALL, "b"::equals, 10))
        .extracting(Report::id)
        .containsExactly("v-2");
    assertThat(queue.count("b"::equals)).isEqualTo(1);
    assertThat(queue.count(t -> false)).isZero();
  }

  @Test
  void theLatestUploaderDecisionWinsAndADecisionReadBackIsNotCountedTwice() {
    twoTenants();
    Report report = queue.get("v-1").orElseThrow();
    ReviewDecision allow =
        Decisions.of(report, 0, ReviewAction.ALLOW_UPLOADER, "lee", "lead", null, T0);
    queue.accept(allow);
    queue.accept(allow);
    assertThat(queue.uploaderAllowed(report.event().getTenant(), "user-1")).isTrue();
    assertThat(queue.decisionsOn(report)).hasSize(1);

    queue.accept(Decisions.of(
        report, 0, ReviewAction.REVOKE_UPLOADER, "lee", "lead", null, T0.plusSeconds(60)));

    assertThat(queue.uploaderAllowed(report.event().getTenant(), "user-1")).isFalse();
    assertThat(queue
            .uploaderDecision(report.event().getTenant(), "user-1")
            .orElseThrow()
            .getAction())
        .isEqualTo(ReviewAction.REVOKE_UPLOADER);
    assertThat(queue.uploaderAllowed("other-tenant", "user-1")).isFalse();
  }

  private void twoTenants() {
    queue.accept("v-1", event("a", "img-1", Decision.COPYRIGHT_VIOLATION, 0.95f, "studio", 1));
    queue.accept("v-2", event("b", "img-2", Decision.COPYRIGHT_VIOLATION, 0.6f, "label", 2));
  }

  private List<String> ids(ReportFilter filter) {
    return queue.list(filter, 10).stream().map(Report::id).toList();
  }

  static MatchEvent event(
      String tenant,
      String imageId,
      Decision decision,
      float score,
      String rightsHolder,
      int second) {
    MatchKind kind = switch (decision) {
      case DUPLICATE -> MatchKind.DUPLICATE;
      case COPYRIGHT_VIOLATION -> MatchKind.COPYRIGHT_VIOLATION;
      default -> MatchKind.BELOW_THRESHOLD;
    };
    return MatchEvent.newBuilder()
        .setTenant(tenant)
        .setImageId(imageId)
        .setPurpose(Purpose.UPLOAD)
        .setUploader("user-1")
        .setSource("file:///images/" + imageId + ".png")
        .setDecision(decision)
        .setMatches(
            decision == Decision.REGISTERED
                ? List.of()
                : List.of(Match.newBuilder()
                    .setTenant(tenant)
                    .setImageId("ref-" + imageId)
                    .setKind(kind)
                    .setRightsHolder(rightsHolder)
                    .setScore(score)
                    .setGlobalSimilarity(score)
                    .setLocalVotes(10)
                    .setInliers(12)
                    .setInlierAreaShare(0.5f)
                    .setHints(MatchHints.newBuilder().build())
                    .build()))
        .setPolicyVersion("p1")
        .setModelId("m")
        .setModelVersion("1")
        .setCalibrationVersion("c1")
        .setStageMicros(Map.of())
        .setUploadedAt(T0)
        .setDecidedAt(T0.plusSeconds(second))
        .build();
  }
}
