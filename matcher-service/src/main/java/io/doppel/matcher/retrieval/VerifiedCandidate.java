package io.doppel.matcher.retrieval;

import io.doppel.matcher.index.ImageMeta;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.policy.ScoredCandidate;
import io.doppel.matcher.verify.Verification;
import java.util.Comparator;
import java.util.List;

/**
 * A candidate after the cascade: what retrieval found about it, how it verified, and its calibrated score.
 *
 * @param globalSimilarity best cosine over the query's views and the candidate's stored vectors
 * @param localVotes query descriptors whose near neighbours fell in the candidate (the best single view's count)
 */
record VerifiedCandidate(
    ImageRef ref,
    ImageMeta meta,
    double globalSimilarity,
    int localVotes,
    Verification verification,
    double score) {

  /** Highest score first; ties broken by tenant and image id, so the order never depends on a hash map's. */
  static final Comparator<VerifiedCandidate> BEST_FIRST = Comparator.comparingDouble(
          VerifiedCandidate::score)
      .reversed()
      .thenComparing(c -> c.ref().tenant())
      .thenComparing(c -> c.ref().imageId());

  /** Whether {@code ranked} is in {@link #BEST_FIRST} order (for asserts). */
  static boolean bestFirst(List<VerifiedCandidate> ranked) {
    for (int i = 1; i < ranked.size(); i++) {
      if (BEST_FIRST.compare(ranked.get(i - 1), ranked.get(i)) > 0) {
        return false;
      }
    }
    return true;
  }

  ScoredCandidate forPolicy() {
    return new ScoredCandidate(
        ref, meta.purpose(), meta.rightsHolder(), meta.referenceSet(), score);
  }
}
