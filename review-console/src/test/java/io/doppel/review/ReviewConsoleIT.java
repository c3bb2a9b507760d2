package io.doppel.review;

import static io.doppel.review.ReviewEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.doppel.image.fetch.FetchSettings;
import io.doppel.review.access.RoleMapping;
import io.doppel.review.http.ConsoleServer;
import io.doppel.review.http.Sessions;
import io.doppel.review.http.SignIn;
import io.doppel.review.http.TrustedProxies;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchHints;
import io.doppel.schemas.avro.Point;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.ReviewDecision;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.topology.testing.EmbeddedKafkaExtension;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console against a real broker: reads a report, serves its images only from the report and
 * only under the fetch roots, requires a signed-in reviewer (identity headers from 127.0.0.1, the
 * trusted proxy here), and records a decision with who, in which role, and when.
 */
class ReviewConsoleIT {

  @RegisterExtension
  static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

  private static final String ALICE = "alice";
  private static final Instant NOW = ReviewEvents.NOW;
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path images;

  @TempDir
  static Path elsewhere;

  private static final Topics TOPICS = Topics.using(new InMemorySchemaRegistry());
  private static ReviewConsole console;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    KAFKA.cluster().createTopics(Topics.NAMES, 1, 1);
    Path upload = png(images.resolve("upload.png"));
    Path reference = png(elsewhere.resolve("reference.png"));
    try (KafkaProducer<ImageKey, MatchEvent> producer = new KafkaProducer<>(
        Map.of("bootstrap.servers", KAFKA.bootstrapServers()),
        TOPICS.violations().keySerde().serializer(),
        TOPICS.violations().valueSerde().serializer())) {
      producer
          .send(new ProducerRecord<>(
              Topics.OUTCOMES,
              new ImageKey("studio", "ref-1"),
              event("studio", "ref-1", Decision.REGISTERED, reference, List.of())))
          .get();
      producer
          .send(new ProducerRecord<>(
              Topics.VIOLATIONS,
              new ImageKey("acme", "up-1"),
              event("acme", "up-1", Decision.COPYRIGHT_VIOLATION, upload, List.of(match()))))
          .get();
    }
    console = ReviewConsole.start(
        new ReviewConsole.Settings(
            Map.of("bootstrap.servers", KAFKA.bootstrapServers()),
            "127.0.0.1",
            0,
            new SignIn(
                TrustedProxies.parse(List.of("127.0.0.1", "::1")),
                SignIn.Headers.OAUTH2_PROXY,
                Sessions.withRandomSecret(Duration.ofMinutes(5)),
                true),
            RoleMapping.parse("reviewers=acme:reviewer"),
            FetchSettings.of(Map.of("fetch.file-roots", images.toString())),
            100,
            100,
            true),
        TOPICS,
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @AfterAll
  static void stop() {
    if (console != null) {
      console.close();
    }
  }

  @Test
  void theApiNeedsASignedInReviewerButThePageDoesNot() throws Exception {
    assertThat(get("/api/reports", null).statusCode()).isEqualTo(401);
    assertThat(get("/api/reports", "mallory", "").statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(get("/api/reports", "mallory", "").body()).path("reports"))
        .as("someone in no mapped group sees nothing")
        .isEmpty();
    HttpResponse<byte[]> page = get("/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Security-Policy"))
        .hasValueSatisfying(csp -> assertThat(csp).contains("script-src 'self'"));
  }

  @Test
  void aReportIsListedAndOpensWithItsRegionsAndVersions() throws Exception {
    String id = awaitReport();
    JsonNode detail = JSON.readTree(get("/api/reports/" + id, ALICE).body());

    assertThat(detail.path("decision").asText()).isEqualTo("COPYRIGHT_VIOLATION");
    assertThat(detail.path("policyVersion").asText()).isEqualTo("policy-7");
    assertThat(detail.at("/matches/0/queryRegion")).hasSize(4);
    assertThat(detail.at("/matches/0/hints/mirrored").asBoolean()).isTrue();
    assertThat(detail.at("/matches/0/inliers").asInt()).isEqualTo(25);
    assertThat(detail.at("/matches/0/tentativeMatches").asInt()).isEqualTo(31);
    assertThat(
            JSON.readTree(get("/api/reports?rightsHolder=nobody", ALICE).body()).path("reports"))
        .isEmpty();
  }

  @Test
  void imagesAreServedOnlyFromTheReportAndOnlyUnderTheFetchRoots() throws Exception {
    String id = awaitReport();

    HttpResponse<byte[]> query = get("/api/reports/" + id + "/images/query", ALICE);
    assertThat(query.statusCode()).isEqualTo(200);
    assertThat(query.headers().firstValue("Content-Type")).contains("image/png");
    assertThat(ImageIO.read(new java.io.ByteArrayInputStream(query.body())).getWidth())
        .isEqualTo(32);
    // The reference lives outside the console's file roots: the safe fetch path refuses it.
    assertThat(get("/api/reports/" + id + "/images/match/0", ALICE).statusCode())
        .isEqualTo(502);
    assertThat(get("/api/reports/" + id + "/images/match/5", ALICE).statusCode())
        .isEqualTo(404);
    assertThat(get("/api/reports/no-such-report/images/query", ALICE).statusCode())
        .isEqualTo(404);
    assertThat(get("/api/images?url=file:///etc/passwd", ALICE).statusCode()).isEqualTo(404);
  }

  @Test
  void aDecisionIsPublishedWithWhoAndWhen() throws Exception {
    String id = awaitReport();
    HttpResponse<byte[]> bad =
        post("/api/reports/" + id + "/decisions", "{\"match\": 3, \"action\": \"DISMISS\"}");
    assertThat(bad.statusCode()).isEqualTo(400);

    HttpResponse<byte[]> answer = post(
        "/api/reports/" + id + "/decisions",
        "{\"match\": 0, \"action\": \"DISMISS\", \"note\": \"different photo\"}");

    assertThat(answer.statusCode()).as(new String(answer.body())).isEqualTo(201);
    ReviewDecision decision = readFeedback();
    assertThat(decision.getAction()).isEqualTo(ReviewAction.DISMISS);
    assertThat(decision.getReviewer()).isEqualTo("alice");
    assertThat(decision.getReviewerRole()).isEqualTo("reviewer");
    assertThat(decision.getDecidedAt()).isEqualTo(NOW);
    assertThat(decision.getTenant()).isEqualTo("acme");
    assertThat(decision.getImageId()).isEqualTo("up-1");
    assertThat(decision.getMatch().getImageId()).isEqualTo("ref-1");
    assertThat(decision.getNote()).isEqualTo("different photo");
    assertThat(decision.getPolicyVersion()).isEqualTo("policy-7");
    JsonNode detail = JSON.readTree(get("/api/reports/" + id, ALICE).body());
    assertThat(detail.at("/decisions/0/reviewer").asText()).isEqualTo("alice");
  }

  private static String awaitReport() throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode reports = JSON.readTree(get("/api/reports", ALICE).body()).path("reports");
      if (!reports.isEmpty()) {
        return reports.get(0).path("id").asText();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no report within " + WAIT);
  }

  private static ReviewDecision readFeedback() {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
        Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
        new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      TopicPartition partition = new TopicPartition(Topics.REVIEW_FEEDBACK, 0);
      consumer.assign(List.of(partition));
      consumer.seekToBeginning(List.of(partition));
      List<ReviewDecision> found = new ArrayList<>();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (found.isEmpty() && System.nanoTime() < deadline) {
        consumer
            .poll(Duration.ofMillis(200))
            .forEach(r -> found.add(TOPICS
                .reviewFeedback()
                .valueSerde()
                .deserializer()
                .deserialize(r.topic(), r.value())));
      }
      assertThat(found).hasSize(1);
      return found.getFirst();
    }
  }

  private static HttpResponse<byte[]> get(String path, String user) throws Exception {
    return get(path, user, "reviewers");
  }

  /** A request as the authenticating proxy forwards it: the user and their groups as headers. */
  private static HttpResponse<byte[]> get(String path, String user, String groups)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port() + path));
    if (user != null) {
      request.header("X-Forwarded-User", user).header("X-Forwarded-Groups", groups);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpResponse<byte[]> post(String path, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + console.port() + path))
            .header("X-Forwarded-User", ALICE)
            .header("X-Forwarded-Groups", "reviewers")
            .header(ConsoleServer.CSRF_HEADER, "1")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static Path png(Path file) throws Exception {
    BufferedImage image = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
    image.setRGB(3, 4, 0xff0000);
    ImageIO.write(image, "png", file.toFile());
    return file;
  }

  private static Match match() {
    List<Point> square = List.of(
        new Point(0.1f, 0.1f), new Point(0.9f, 0.1f), new Point(0.9f, 0.9f), new Point(0.1f, 0.9f));
    return ReviewEvents.violationOf("ref-1")
        .setTentativeMatches(31)
        .setQueryRegion(square)
        .setReferenceRegion(square)
        .setHints(MatchHints.newBuilder().setMirrored(true).build())
        .build();
  }
}
