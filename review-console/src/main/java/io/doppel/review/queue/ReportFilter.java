package io.doppel.review.queue;

import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchKind;

/**
 * Which reports a reviewer wants to see; a null criterion matches everything. Pure.
 *
 * @param tenant the reported image's tenant
 * @param decision DUPLICATE or COPYRIGHT_VIOLATION
 * @param minScore lowest {@link Report#topScore()}
 * @param rightsHolder a reported match's rights holder
 * @param undecidedOnly only reports no reviewer has decided on yet
 */
public record ReportFilter(
    String tenant, Decision decision, Float minScore, String rightsHolder, boolean undecidedOnly) {

  public static final ReportFilter ALL = new ReportFilter(null, null, null, null, false);

  public boolean accepts(Report report, boolean decided) {
    if (undecidedOnly && decided) {
      return false;
    }
    if (tenant != null && !tenant.equals(report.event().getTenant())) {
      return false;
    }
    if (decision != null && decision != report.event().getDecision()) {
      return false;
    }
    if (minScore != null && report.topScore() < minScore) {
      return false;
    }
    return rightsHolder == null
        || report.event().getMatches().stream()
            .filter(m -> m.getKind() != MatchKind.BELOW_THRESHOLD)
            .map(Match::getRightsHolder)
            .anyMatch(rightsHolder::equals);
  }
}
