package io.doppel.review;

import io.doppel.image.fetch.FetchSettings;
import io.doppel.review.access.RoleMapping;
import io.doppel.review.feedback.KafkaDecisionSink;
import io.doppel.review.http.ConsoleServer;
import io.doppel.review.http.Identity;
import io.doppel.review.http.SignIn;
import io.doppel.review.images.ReportImages;
import io.doppel.review.queue.ReportConsumer;
import io.doppel.review.queue.ReportQueue;
import io.doppel.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;

/**
 * The review console: reads reports into a queue, serves the page and the report images, and
 * publishes reviewers' decisions to review-feedback. {@link ReviewConsoleMain} runs it as a service;
 * {@code ./doppel demo} runs it on the embedded stack.
 */
public final class ReviewConsole implements AutoCloseable {

  /**
   * @param kafka Kafka client settings: bootstrap.servers and any security settings
   * @param bindAddress where the page is served
   * @param port 0 for any free port
   * @param signIn who is signed in: trusted proxies, their identity headers, sessions
   * @param roles the role each group holds per tenant
   * @param fetch the safe fetch limits for report images (the extractor's)
   * @param maxReports newest reports kept in memory
   * @param maxImages image locations remembered (for matched images' sources)
   * @param requireImageDigest refuse images whose event carries no digest of the analysed bytes
   */
  public record Settings(
      Map<String, Object> kafka,
      String bindAddress,
      int port,
      SignIn signIn,
      RoleMapping roles,
      FetchSettings fetch,
      int maxReports,
      int maxImages,
      boolean requireImageDigest) {

    public static final int DEFAULT_PORT = 8090;
    public static final int DEFAULT_MAX_REPORTS = 10_000;
    public static final int DEFAULT_MAX_IMAGES = 1_000_000;
    private static final int MAX_PORT = 65_535;

    public Settings {
      kafka = Map.copyOf(kafka);
      Objects.requireNonNull(bindAddress, "bindAddress");
      Objects.requireNonNull(signIn, "signIn");
      Objects.requireNonNull(roles, "roles");
      Objects.requireNonNull(fetch, "fetch");
      if (!kafka.containsKey("bootstrap.servers")) {
        throw new IllegalArgumentException("kafka settings need bootstrap.servers");
      }
      if (port < 0 || port > MAX_PORT) {
        throw new IllegalArgumentException(
            "console port must be 0 to " + MAX_PORT + ", got " + port);
      }
      if (maxReports < 1 || maxImages < 1) {
        throw new IllegalArgumentException("maxReports and maxImages must be positive");
      }
    }

    /** Names the Kafka settings, never their values: sasl.jaas.config holds a password. */
    @Override
    public String toString() {
      return "ReviewConsole.Settings[kafka=" + new java.util.TreeSet<>(kafka.keySet()) + ", bind="
          + bindAddress + ":" + port + ", roles=" + roles + ", sessions=" + signIn.sessions()
          + ", maxReports=" + maxReports + ", maxImages=" + maxImages + ", requireImageDigest="
          + requireImageDigest + "]";
    }
  }

  private final Deque<AutoCloseable> parts;
  private final ConsoleServer server;
  private final ReportConsumer reader;
  private final Settings settings;
  private final Clock clock;

  private ReviewConsole(
      Deque<AutoCloseable> parts,
      ConsoleServer server,
      ReportConsumer reader,
      Settings settings,
      Clock clock) {
    this.parts = parts;
    this.server = server;
    this.reader = reader;
    this.settings = settings;
    this.clock = clock;
  }

  public static ReviewConsole start(Settings settings, Topics topics, Clock clock) {
    Deque<AutoCloseable> parts = new ArrayDeque<>();
    try {
      ReportQueue queue = new ReportQueue(settings.maxReports(), settings.maxImages());
      KafkaDecisionSink sink = new KafkaDecisionSink(settings.kafka(), topics.reviewFeedback());
      parts.push(sink);
      ReportImages images =
          new ReportImages(settings.fetch(), queue, settings.requireImageDigest());
      parts.push(images);
      ReportConsumer reader = ReportConsumer.start(settings.kafka(), topics, queue);
      parts.push(reader);
      ConsoleServer server = ConsoleServer.start(
          settings.bindAddress(),
          settings.port(),
          queue,
          images,
          sink,
          settings.signIn(),
          settings.roles(),
          clock);
      parts.push(server);
      return new ReviewConsole(parts, server, reader, settings, clock);
    } catch (RuntimeException e) {
      closeAll(parts);
      throw e;
    }
  }

  public int port() {
    return server.port();
  }

  /**
   * The path and query of a sign-in link for {@code identity}, valid for {@code lifetime}: whoever
   * opens it is signed in as them. For the embedded demo and for break-glass access by whoever
   * holds the session secret; a platform signs reviewers in through its proxy.
   */
  public String signInPath(Identity identity, Duration lifetime) {
    return "/sign-in?link=" + settings.signIn().link(identity, clock.instant(), lifetime);
  }

  /** Whether reports are still being read. */
  public boolean isReading() {
    return reader.isAlive();
  }

  @Override
  public void close() {
    closeAll(parts);
  }

  private static void closeAll(Deque<AutoCloseable> parts) {
    while (!parts.isEmpty()) {
      try {
        parts.pop().close();
      } catch (Exception e) {
        System.err.println("review console: error while stopping: " + e);
      }
    }
  }
}
