package io.doppel.review.feedback;

import io.doppel.review.queue.Report;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.ReviewDecision;
import java.time.Instant;
import java.util.UUID;

/** Builds the decision a reviewer asked for on one match of a report, or says why it cannot. Pure but for the id. */
public final class Decisions {

  /** Longest note kept; notes are for reviewers, not documents. */
  public static final int MAX_NOTE_CHARS = 2_000;

  private Decisions() {}

  /** Thrown for a request that names no reportable match or cannot apply to this report. */
  public static final class InvalidDecisionException extends IllegalArgumentException {
    public InvalidDecisionException(String message) {
      super(message);
    }
  }

  public static ReviewDecision of(
      Report report,
      int matchIndex,
      ReviewAction action,
      String reviewer,
      String reviewerRole,
      String note,
      Instant now) {
    MatchEvent event = report.event();
    if (matchIndex < 0 || matchIndex >= event.getMatches().size()) {
      throw new InvalidDecisionException("report " + report.id() + " has no match " + matchIndex);
    }
    Match match = event.getMatches().get(matchIndex);
    if (match.getKind() == MatchKind.BELOW_THRESHOLD) {
      throw new InvalidDecisionException(
          "match " + matchIndex + " of report " + report.id() + " was not reported");
    }
    if ((action == ReviewAction.ALLOW_UPLOADER || action == ReviewAction.REVOKE_UPLOADER)
        && event.getUploader() == null) {
      throw new InvalidDecisionException(
          "report " + report.id() + " names no uploader to allow-list or revoke");
    }
    if (reviewer == null || reviewer.isBlank()) {
      throw new InvalidDecisionException("a decision needs a reviewer");
    }
    if (note != null && note.length() > MAX_NOTE_CHARS) {
      throw new InvalidDecisionException(
          "the note has " + note.length() + " characters, above " + MAX_NOTE_CHARS);
    }
    return ReviewDecision.newBuilder()
        .setDecisionId(UUID.randomUUID().toString())
        .setAction(action)
        .setTenant(event.getTenant())
        .setImageId(event.getImageId())
        .setUploader(event.getUploader())
        .setReportDecision(event.getDecision())
        .setMatch(match)
        .setPolicyVersion(event.getPolicyVersion())
        .setModelId(event.getModelId())
        .setModelVersion(event.getModelVersion())
        .setCalibrationVersion(event.getCalibrationVersion())
        .setReportedAt(event.getDecidedAt())
        .setReviewer(reviewer)
        .setReviewerRole(reviewerRole)
        .setNote(note == null || note.isBlank() ? null : note)
        .setDecidedAt(now)
        .build();
  }
}
