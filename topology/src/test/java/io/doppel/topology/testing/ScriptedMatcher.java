package io.doppel.topology.testing;

import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.Trigger;
import io.doppel.topology.match.DependencyUnavailableException;
import io.doppel.topology.match.Matcher;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic {@link Matcher} for topology tests. Decides by purpose and image id:
 *
 * <pre>
 * DELETE → DELETED;  REFERENCE → REGISTERED (+ a RETRO_SCAN violation of {@value #RETRO_TARGET} if its id
 * starts with {@value #RETRO_PREFIX});  id "dup-*" → DUPLICATE;  "copy-*" → COPYRIGHT_VIOLATION;
 * "bug-*" → throws IllegalArgumentException;  "silent-*" → no event (a broken matcher);  otherwise CLEAN;
 * a REFERENCE "refused-*" → throws RefusedRecordException (a set its tenant was not granted)
 * </pre>
 *
 * {@link #failNext(int)} makes the next calls throw {@link DependencyUnavailableException}, as
 * when the index is down.
 */
public final class ScriptedMatcher implements Matcher {

  public static final String RETRO_PREFIX = "retro-";
  public static final String RETRO_TARGET = "earlier-upload";

  private final AtomicInteger unavailableCalls = new AtomicInteger();
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger commits = new AtomicInteger();

  private static List<MatchEvent> throwRefused(String id) {
    throw new io.doppel.topology.match.RefusedRecordException(
        id + ": tenant may not register works into this set (scripted)");
  }

  @Override
  public List<MatchEvent> match(ImageFeatures features) {
    calls.incrementAndGet();
    if (unavailableCalls.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new DependencyUnavailableException("index unavailable (scripted)", null);
    }
    String id = features.getImageId().toString();
    return switch (features.getPurpose()) {
      case DELETE -> List.of(Samples.outcome(features, Decision.DELETED));
      case REFERENCE ->
        id.startsWith("refused-")
            ? throwRefused(id)
            : id.startsWith(RETRO_PREFIX)
                ? List.of(
                    Samples.outcome(features, Decision.REGISTERED),
                    Samples.outcome(
                        features.getTenant().toString(),
                        RETRO_TARGET,
                        features,
                        Decision.COPYRIGHT_VIOLATION,
                        Trigger.RETRO_SCAN))
                : List.of(Samples.outcome(features, Decision.REGISTERED));
      case UPLOAD -> {
        if (id.startsWith("silent-")) {
          yield List.of();
        }
        if (id.startsWith("bug-")) {
          throw new IllegalArgumentException("cannot handle " + id + " (scripted)");
        }
        Decision decision = id.startsWith("dup-")
            ? Decision.DUPLICATE
            : id.startsWith("copy-") ? Decision.COPYRIGHT_VIOLATION : Decision.CLEAN;
        yield List.of(Samples.outcome(features, decision));
      }
    };
  }

  /** The next {@code count} calls find the index unavailable. */
  public void failNext(int count) {
    unavailableCalls.set(count);
  }

  @Override
  public void commit() {
    commits.incrementAndGet();
  }

  /** How often the topology asked for durability (before its task commits). */
  public int commits() {
    return commits.get();
  }

  public int calls() {
    return calls.get();
  }
}
