package io.doppel.image.fetch;

import io.doppel.image.ImageRejectedException;
import io.doppel.schemas.avro.DeadLetterReason;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * Downloads images over http(s) with a connect timeout, a whole-response deadline, a byte limit
 * (the download stops as soon as it is passed), redirects followed by hand so that every hop is
 * checked by the {@link AddressPolicy}, retries with jittered exponential backoff on I/O errors and
 * 5xx answers, a circuit breaker per host (for at most {@code fetch.circuit-breaker.max-hosts} hosts), and one
 * deadline for all of it ({@code fetch.deadline-ms}).
 *
 * <p>The policy resolves each hop's host once, and every attempt at that hop connects to an address it checked
 * ({@link PinnedHttpExchange}): the host is not resolved again, so DNS rebinding between check and connect, or between
 * retries, cannot reach an address the policy refuses; and no proxy selector takes part. Guarded by {@code
 * DnsRebindingTest}.
 */
public final class HttpImageFetcher implements AutoCloseable {

  private static final double BACKOFF_MULTIPLIER = 2.0;
  private static final double BACKOFF_JITTER = 0.5;
  private static final int CIRCUIT_WINDOW_CALLS = 20;
  private static final int CIRCUIT_MIN_CALLS = 10;
  private static final String USER_AGENT = "doppel-extractor";

  /** A 5xx answer: worth retrying. */
  private static final class ServerErrorException extends IOException {
    ServerErrorException(String message) {
      super(message);
    }
  }

  private record Answer(byte[] body, URI redirect) {}

  private final FetchSettings config;
  private final AddressPolicy addressPolicy;
  /** Null: the JDK's default context (its trust store), the only one production uses. */
  private final SSLContext tls;

  private final Retry retry;
  private final CircuitBreakerConfig circuitConfig;
  /** Per host, least recently used first; at most {@code circuitMaxHosts} (guarded by {@code FetchDeadlineTest}). */
  private final Map<String, CircuitBreaker> circuitBreakers;

  public HttpImageFetcher(FetchSettings config, AddressPolicy addressPolicy) {
    this(config, addressPolicy, null);
  }

  /**
   * With {@code tls} instead of the JDK's default context: a test trusts its own certificate this way. The host name
   * is verified against the certificate whatever the context (see {@link PinnedHttpExchange}).
   */
  HttpImageFetcher(FetchSettings config, AddressPolicy addressPolicy, SSLContext tls) {
    this.config = config;
    this.addressPolicy = addressPolicy;
    this.tls = tls;
    this.retry = Retry.of(
        "image-fetch",
        RetryConfig.custom()
            .maxAttempts(config.retryMaxAttempts())
            .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(
                config.retryInitialBackoff(), BACKOFF_MULTIPLIER, BACKOFF_JITTER))
            .retryExceptions(IOException.class)
            .ignoreExceptions(
                ImageRejectedException.class,
                PinnedHttpExchange.BodyTooLargeException.class,
                CallNotPermittedException.class)
            .build());
    this.circuitConfig = CircuitBreakerConfig.custom()
        .failureRateThreshold(config.circuitFailureRatePercent())
        .slidingWindowSize(CIRCUIT_WINDOW_CALLS)
        .minimumNumberOfCalls(CIRCUIT_MIN_CALLS)
        .waitDurationInOpenState(config.circuitOpenDuration())
        .recordExceptions(IOException.class)
        .ignoreExceptions(
            ImageRejectedException.class, PinnedHttpExchange.BodyTooLargeException.class)
        .build();
    int maxHosts = config.circuitMaxHosts();
    this.circuitBreakers = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, CircuitBreaker> eldest) {
        return size() > maxHosts;
      }
    };
  }

  /** {@link #fetch(URI, long)} with the deadline {@code fetch.deadline-ms} from now. */
  public byte[] fetch(URI source) throws ImageRejectedException {
    return fetch(source, System.nanoTime() + config.deadline().toNanos());
  }

  /**
   * The body at {@code source}, following redirects, by {@code deadlineNanos} ({@link System#nanoTime}) at the latest:
   * every hop, attempt and backoff together, however slowly the servers answer. Guarded by {@code FetchDeadlineTest}.
   */
  public byte[] fetch(URI source, long deadlineNanos) throws ImageRejectedException {
    URI current = source;
    for (int hop = 0; ; hop++) {
      String scheme =
          current.getScheme() == null ? "" : current.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new ImageRejectedException(
            DeadLetterReason.FETCH_FAILED,
            "refusing to follow " + current + ": only http(s) redirects are followed");
      }
      List<InetAddress> checked = addressPolicy.resolveAllowed(current.getHost());
      Answer answer = fetchOnce(current, checked, deadlineNanos);
      if (answer.redirect() == null) {
        return answer.body();
      }
      if (hop >= config.maxRedirects()) {
        throw new ImageRejectedException(
            DeadLetterReason.FETCH_FAILED,
            "more than " + config.maxRedirects() + " redirects from " + source);
      }
      current = answer.redirect();
    }
  }

  private CircuitBreaker circuitBreaker(String host) {
    String key = host.toLowerCase(Locale.ROOT);
    synchronized (circuitBreakers) {
      return circuitBreakers.computeIfAbsent(key, h -> CircuitBreaker.of(h, circuitConfig));
    }
  }

  /** How many hosts have a circuit breaker now. */
  int circuitBreakerCount() {
    synchronized (circuitBreakers) {
      return circuitBreakers.size();
    }
  }

  private Answer fetchOnce(URI uri, List<InetAddress> checked, long deadlineNanos)
      throws ImageRejectedException {
    CircuitBreaker breaker = circuitBreaker(uri.getHost());
    try {
      return retry.executeCheckedSupplier(
          () -> breaker.executeCheckedSupplier(() -> exchange(uri, checked, deadlineNanos)));
    } catch (ImageRejectedException e) {
      throw e;
    } catch (CallNotPermittedException e) {
      throw new ImageRejectedException(
          DeadLetterReason.FETCH_FAILED,
          "circuit open for host " + uri.getHost() + " after repeated failures",
          e);
    } catch (PinnedHttpExchange.BodyTooLargeException e) {
      throw new ImageRejectedException(DeadLetterReason.TOO_LARGE, uri + ": " + e.getMessage(), e);
    } catch (HttpTimeoutException e) {
      throw new ImageRejectedException(DeadLetterReason.TIMEOUT, uri + ": " + describe(e), e);
    } catch (Throwable e) {
      throw new ImageRejectedException(DeadLetterReason.FETCH_FAILED, uri + ": " + describe(e), e);
    }
  }

  private Answer exchange(URI uri, List<InetAddress> checked, long deadlineNanos)
      throws IOException, ImageRejectedException {
    long now = System.nanoTime();
    if (deadlineNanos - now <= 0) {
      // not retried: the upload's time is up
      throw new ImageRejectedException(
          DeadLetterReason.TIMEOUT,
          uri + ": the fetch deadline of " + config.deadline().toMillis() + " ms passed");
    }
    Duration allowed = config.connectTimeout().plus(config.readTimeout());
    long attemptDeadline = now + allowed.toNanos();
    long deadline = deadlineNanos - attemptDeadline < 0 ? deadlineNanos : attemptDeadline;
    PinnedHttpExchange.Response response = PinnedHttpExchange.get(
        uri,
        checked,
        (int) Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()),
        deadline,
        config.maxBytes(),
        USER_AGENT,
        tls);
    int status = response.status();
    if (status / 100 == 3) {
      String location = response.headers().get("location");
      if (location == null) {
        throw new ImageRejectedException(
            DeadLetterReason.FETCH_FAILED, "HTTP " + status + " without Location from " + uri);
      }
      return new Answer(null, uri.resolve(location));
    }
    if (status / 100 == 5) {
      throw new ServerErrorException("HTTP " + status + " from " + uri);
    }
    if (status / 100 != 2) {
      throw new ImageRejectedException(
          DeadLetterReason.FETCH_FAILED, "HTTP " + status + " from " + uri);
    }
    return new Answer(response.body(), null);
  }

  private static String describe(Throwable e) {
    return e.getMessage() == null
        ? e.getClass().getSimpleName()
        : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  @Override
  public void close() {}
}
