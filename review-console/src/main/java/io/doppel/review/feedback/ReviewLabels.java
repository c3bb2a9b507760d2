package io.doppel.review.feedback;

import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.ReviewDecision;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reviewers' decisions as labelled pairs for recalibration, in the CSV that
 * {@code io.doppel.matcher.score.CalibrationFitter} reads. Pure.
 *
 * <pre>
 * label(CONFIRM) = label(ALLOW_PAIR) = 1   (a copy, whether or not it is permitted)
 * label(DISMISS) = 0                      (a false match)
 * ALLOW_UPLOADER says nothing about the pair: no row
 * </pre>
 *
 * One row per pair, from the latest decision on it (a reviewer may correct another).
 */
public final class ReviewLabels {

  public static final String HEADER =
      "tenant,query_id,matched_tenant,reference_id,global_similarity,local_votes,inliers,inlier_area_share,"
          + "reference_coverage,inlier_density,label,reviewer,decided_at";

  private ReviewLabels() {}

  /** CSV lines, header first, for {@code decisions} in the order they were made. */
  public static List<String> csv(List<ReviewDecision> decisions) {
    Map<List<String>, ReviewDecision> latest = new LinkedHashMap<>();
    for (ReviewDecision decision : decisions) {
      // Uploader decisions say who may upload, not whether the pair is a copy: no label.
      if (decision.getAction() == ReviewAction.ALLOW_UPLOADER
          || decision.getAction() == ReviewAction.REVOKE_UPLOADER) {
        continue;
      }
      Match m = decision.getMatch();
      latest.remove(
          List.of(decision.getTenant(), decision.getImageId(), m.getTenant(), m.getImageId()));
      latest.put(
          List.of(decision.getTenant(), decision.getImageId(), m.getTenant(), m.getImageId()),
          decision);
    }
    List<String> lines = new ArrayList<>(latest.size() + 1);
    lines.add(HEADER);
    latest.values().forEach(d -> {
      Match m = d.getMatch();
      lines.add(String.join(
          ",",
          cell(d.getTenant()),
          cell(d.getImageId()),
          cell(m.getTenant()),
          cell(m.getImageId()),
          String.format(Locale.ROOT, "%.6f", m.getGlobalSimilarity()),
          String.valueOf(m.getLocalVotes()),
          String.valueOf(m.getInliers()),
          String.format(Locale.ROOT, "%.6f", m.getInlierAreaShare()),
          String.format(Locale.ROOT, "%.6f", m.getReferenceCoverage()),
          String.format(Locale.ROOT, "%.6f", m.getInlierDensity()),
          d.getAction() == ReviewAction.DISMISS ? "0" : "1",
          cell(d.getReviewer()),
          d.getDecidedAt().toString()));
    });
    return lines;
  }

  /** Ids go in as they are unless they would break the row: the fitter splits on commas without quoting. */
  private static String cell(String value) {
    return value.replace(',', '_').replace('\n', '_').replace('\r', '_');
  }
}
