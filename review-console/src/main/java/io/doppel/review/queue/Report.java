package io.doppel.review.queue;

import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchKind;
import java.util.Objects;

/**
 * One report in the queue: a DUPLICATE or COPYRIGHT_VIOLATION event as read from its topic.
 *
 * @param id stable and unique: the event's topic, partition and offset
 * @param sequence arrival order in this console, to order reports decided in the same millisecond
 */
public record Report(String id, long sequence, MatchEvent event) {

  public Report {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(event, "event");
  }

  /** The id of the record at {@code offset} of {@code partition} of {@code topic}. */
  public static String idOf(String topic, int partition, long offset) {
    return topic + "-" + partition + "-" + offset;
  }

  /** The highest score among the matches that made this a report; 0 if none did. */
  public float topScore() {
    float top = 0;
    for (Match match : event.getMatches()) {
      if (match.getKind() != MatchKind.BELOW_THRESHOLD) {
        top = Math.max(top, match.getScore());
      }
    }
    return top;
  }
}
