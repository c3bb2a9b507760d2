package io.doppel.topology.match;

import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.ReviewDecision;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reviewers' decisions as a lookup table, and what the table does to a match event. Pure.
 *
 * <p>Table: one entry per decided pair (reported image, matched image) and per allow-listed
 * uploader; the latest decision on a pair wins, so a CONFIRM after a DISMISS reports the pair again, and the
 * latest of ALLOW_UPLOADER and REVOKE_UPLOADER on an uploader wins.
 *
 * <pre>
 * suppressed(e, m) = table[uploader(e.tenant, e.uploader)] = ALLOW_UPLOADER
 *                  ∨ table[pair(e.tenant, e.imageId, m.tenant, m.imageId)] ∈ {DISMISS, ALLOW_PAIR}
 * apply(e)         = e                                    if e.decision ∉ {DUPLICATE, COPYRIGHT_VIOLATION}
 *                  = e with every suppressed reportable m demoted to BELOW_THRESHOLD ("not reported",
 *                    by score or by review), and e.decision = its own kind if a match of that kind is
 *                    left, else the other reportable kind if one is left, else CLEAN
 * </pre>
 */
public final class ReviewSuppression {

  /** The global store holding the table, read from the review-feedback topic. */
  public static final String STORE = "review-suppressions";

  /** Entries are length-prefixed parts, so that no id, whatever it contains, can forge another key. */
  private static final String PAIR = "pair";

  private static final String UPLOADER = "uploader";

  private ReviewSuppression() {}

  /** One entry of the table. */
  public record Entry(String key, ReviewAction action) {}

  /** The entry a decision writes, if any (an uploader decision without an uploader writes none). */
  public static Optional<Entry> entryOf(ReviewDecision decision) {
    return switch (decision.getAction()) {
      case CONFIRM, DISMISS, ALLOW_PAIR ->
        Optional.of(new Entry(
            pairKey(
                decision.getTenant(),
                decision.getImageId(),
                decision.getMatch().getTenant(),
                decision.getMatch().getImageId()),
            decision.getAction()));
      // Both write the uploader's one entry, so whichever came last decides: a revoke lifts the
      // allow-list and a later allow sets it again.
      case ALLOW_UPLOADER, REVOKE_UPLOADER ->
        decision.getUploader() == null
            ? Optional.empty()
            : Optional.of(new Entry(
                uploaderKey(decision.getTenant(), decision.getUploader()), decision.getAction()));
    };
  }

  public static String pairKey(
      String tenant, String imageId, String matchedTenant, String matchedImageId) {
    return encode(PAIR, tenant, imageId, matchedTenant, matchedImageId);
  }

  public static String uploaderKey(String tenant, String uploader) {
    return encode(UPLOADER, tenant, uploader);
  }

  /**
   * {@code event} with the table applied; {@code table} answers the action stored under a key, or
   * null. Returns {@code event} itself when nothing is suppressed.
   */
  public static MatchEvent apply(MatchEvent event, Function<String, ReviewAction> table) {
    if (!isReport(event.getDecision())) {
      return event;
    }
    boolean uploaderAllowed = event.getUploader() != null
        && table.apply(uploaderKey(event.getTenant(), event.getUploader()))
            == ReviewAction.ALLOW_UPLOADER;
    List<Match> matches = new ArrayList<>(event.getMatches().size());
    boolean changed = false;
    for (Match match : event.getMatches()) {
      if (match.getKind() != MatchKind.BELOW_THRESHOLD
          && (uploaderAllowed
              || suppressesPair(table.apply(pairKey(
                  event.getTenant(),
                  event.getImageId(),
                  match.getTenant(),
                  match.getImageId()))))) {
        matches.add(Match.newBuilder(match).setKind(MatchKind.BELOW_THRESHOLD).build());
        changed = true;
      } else {
        matches.add(match);
      }
    }
    if (!changed) {
      return event;
    }
    return MatchEvent.newBuilder(event)
        .setMatches(matches)
        .setDecision(decisionLeft(event.getDecision(), matches))
        .build();
  }

  private static boolean suppressesPair(ReviewAction action) {
    return action == ReviewAction.DISMISS || action == ReviewAction.ALLOW_PAIR;
  }

  private static boolean isReport(Decision decision) {
    return decision == Decision.DUPLICATE || decision == Decision.COPYRIGHT_VIOLATION;
  }

  private static Decision decisionLeft(Decision original, List<Match> matches) {
    MatchKind own =
        original == Decision.DUPLICATE ? MatchKind.DUPLICATE : MatchKind.COPYRIGHT_VIOLATION;
    MatchKind other =
        own == MatchKind.DUPLICATE ? MatchKind.COPYRIGHT_VIOLATION : MatchKind.DUPLICATE;
    if (matches.stream().anyMatch(m -> m.getKind() == own)) {
      return original;
    }
    if (matches.stream().anyMatch(m -> m.getKind() == other)) {
      return other == MatchKind.DUPLICATE ? Decision.DUPLICATE : Decision.COPYRIGHT_VIOLATION;
    }
    return Decision.CLEAN;
  }

  private static String encode(String kind, String... parts) {
    StringBuilder key = new StringBuilder(kind);
    for (String part : parts) {
      key.append('|').append(part.length()).append(':').append(part);
    }
    return key.toString();
  }
}
