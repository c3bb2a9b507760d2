package io.doppel.image.fetch;

import io.doppel.image.ImageRejectedException;
import io.doppel.schemas.avro.DeadLetterReason;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Downloads images over http(s) with a connect timeout, a whole-response deadline, a byte limit
 * (the download stops as soon as it is passed), redirects followed by hand so that every hop is
 * checked by the {@link AddressPolicy}, retries with jittered exponential backoff on I/O errors and
 * 5xx answers, and a circuit breaker per host.
 *
 * <p>The policy resolves the host just before the request; the JDK's positive DNS cache (30 s by
 * default, {@code networkaddress.cache.ttl}) makes the HTTP client's own lookup return the same
 * addresses, which closes the usual DNS-rebinding window between check and connect.
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
  private final HttpClient client;
  private final Retry retry;
  private final CircuitBreakerRegistry circuitBreakers;

  public HttpImageFetcher(FetchSettings config, AddressPolicy addressPolicy) {
    this.config = config;
    this.addressPolicy = addressPolicy;
    this.client = HttpClient.newBuilder()
        .connectTimeout(config.connectTimeout())
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1)
        .build();
    this.retry = Retry.of("image-fetch", RetryConfig.custom()
        .maxAttempts(config.retryMaxAttempts())
        .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(config.retryInitialBackoff(), BACKOFF_MULTIPLIER, BACKOFF_JITTER))
        .retryExceptions(IOException.class)
        .ignoreExceptions(ImageRejectedException.class, LimitedBodySubscriber.BodyTooLargeException.class, CallNotPermittedException.class)
        .build());
    this.circuitBreakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
        .failureRateThreshold(config.circuitFailureRatePercent())
        .slidingWindowSize(CIRCUIT_WINDOW_CALLS)
        .minimumNumberOfCalls(CIRCUIT_MIN_CALLS)
        .waitDurationInOpenState(config.circuitOpenDuration())
        .recordExceptions(IOException.class)
        .ignoreExceptions(ImageRejectedException.class, LimitedBodySubscriber.BodyTooLargeException.class)
        .build());
  }

  public byte[] fetch(URI source) throws ImageRejectedException {
    URI current = source;
    for (int hop = 0; ; hop++) {
      String scheme = current.getScheme() == null ? "" : current.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new ImageRejectedException(DeadLetterReason.FETCH_FAILED, "refusing to follow " + current + ": only http(s) redirects are followed");
      }
      addressPolicy.resolveAllowed(current.getHost());
      Answer answer = fetchOnce(current);
      if (answer.redirect() == null) {
        return answer.body();
      }
      if (hop >= config.maxRedirects()) {
        throw new ImageRejectedException(DeadLetterReason.FETCH_FAILED, "more than " + config.maxRedirects() + " redirects from " + source);
      }
      current = answer.redirect();
    }
  }

  private Answer fetchOnce(URI uri) throws ImageRejectedException {
    CircuitBreaker breaker = circuitBreakers.circuitBreaker(uri.getHost().toLowerCase(Locale.ROOT));
    try {
      return retry.executeCheckedSupplier(() -> breaker.executeCheckedSupplier(() -> exchange(uri)));
    } catch (ImageRejectedException e) {
      throw e;
    } catch (CallNotPermittedException e) {
      throw new ImageRejectedException(DeadLetterReason.FETCH_FAILED, "circuit open for host " + uri.getHost() + " after repeated failures", e);
    } catch (LimitedBodySubscriber.BodyTooLargeException e) {
      throw new ImageRejectedException(DeadLetterReason.TOO_LARGE, uri + ": " + e.getMessage(), e);
    } catch (HttpTimeoutException e) {
      throw new ImageRejectedException(DeadLetterReason.TIMEOUT, uri + ": " + describe(e), e);
    } catch (Throwable e) {
      throw new ImageRejectedException(DeadLetterReason.FETCH_FAILED, uri + ": " + describe(e), e);
    }
  }

  private Answer exchange(URI uri) throws IOException, ImageRejectedException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(uri).GET().timeout(config.readTimeout()).header("User-Agent", USER_AGENT).build();
    CompletableFuture<HttpResponse<byte[]>> pending = client.sendAsync(request, info -> {
      if (info.statusCode() / 100 != 2) {
        return HttpResponse.BodySubscribers.replacing(null);
      }
      long declared = info.headers().firstValueAsLong("Content-Length").orElse(-1);
      return new LimitedBodySubscriber(config.maxBytes(), declared);
    });
    HttpResponse<byte[]> response;
    Duration deadline = config.connectTimeout().plus(config.readTimeout());
    try {
      response = pending.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      pending.cancel(true);
      throw new HttpTimeoutException("no complete response within " + deadline.toMillis() + " ms");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    }
    int status = response.statusCode();
    if (status / 100 == 3) {
      String location = response.headers().firstValue("Location").orElseThrow(
          () -> new ImageRejectedException(DeadLetterReason.FETCH_FAILED, "HTTP " + status + " without Location from " + uri));
      return new Answer(null, uri.resolve(location));
    }
    if (status / 100 == 5) {
      throw new ServerErrorException("HTTP " + status + " from " + uri);
    }
    if (status / 100 != 2) {
      throw new ImageRejectedException(DeadLetterReason.FETCH_FAILED, "HTTP " + status + " from " + uri);
    }
    return new Answer(response.body(), null);
  }

  private static String describe(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  @Override
  public void close() {
    client.close();
  }
}
