package io.doppel.matcher.policy;

import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.MatchKind;
import java.util.List;

/**
 * The policy's verdict on one upload.
 *
 * @param decision DUPLICATE, COPYRIGHT_VIOLATION or CLEAN
 * @param kinds the kind of each candidate, in the order they were given
 */
public record PolicyDecision(Decision decision, List<MatchKind> kinds) {
  public PolicyDecision {
    kinds = List.copyOf(kinds);
  }
}
