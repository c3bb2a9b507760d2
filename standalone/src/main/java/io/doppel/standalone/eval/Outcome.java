package io.doppel.standalone.eval;

import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.MatchEvent;

/** The terminal record of one upload as read back from the broker: a match event or a dead letter. */
public record Outcome(String imageId, MatchEvent event, DeadLetter deadLetter, long receivedNanos) {

  public boolean isDeadLetter() {
    return deadLetter != null;
  }
}
