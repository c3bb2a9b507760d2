package io.doppel.topology.match;

import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls a dependency until it answers or the budget is spent, with exponential backoff:
 *
 * <pre>
 * wait(n) = min(maxBackoff, initialBackoff · 2^n);  give up when elapsed + wait(n) > budget
 * </pre>
 *
 * Only {@link DependencyUnavailableException} is retried; giving up rethrows the last one.
 */
final class DependencyRetry {

  private static final Logger LOG = LoggerFactory.getLogger(DependencyRetry.class);
  private static final int BACKOFF_FACTOR = 2;

  private final MatchingTopology.Settings settings;

  DependencyRetry(MatchingTopology.Settings settings) {
    this.settings = settings;
  }

  <T> T call(Supplier<T> dependency, String what) {
    long start = System.nanoTime();
    Duration backoff = settings.initialBackoff();
    for (int attempt = 1; ; attempt++) {
      try {
        return dependency.get();
      } catch (DependencyUnavailableException e) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        if (elapsed.plus(backoff).compareTo(settings.retryBudget()) > 0) {
          LOG.warn(
              "{}: dependency still unavailable after {} attempts in {}; giving the record back",
              what,
              attempt,
              elapsed);
          throw e;
        }
        LOG.info(
            "{}: dependency unavailable (attempt {}), retrying in {}: {}",
            what,
            attempt,
            backoff,
            e.getMessage());
        sleep(backoff);
        backoff = min(backoff.multipliedBy(BACKOFF_FACTOR), settings.maxBackoff());
      }
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DependencyUnavailableException("interrupted while waiting to retry", e);
    }
  }
}
