package io.doppel.review.http;

import static io.doppel.review.ReviewEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.doppel.image.fetch.FetchSettings;
import io.doppel.review.ReviewEvents;
import io.doppel.review.access.RoleMapping;
import io.doppel.review.images.ReportImages;
import io.doppel.review.queue.ReportQueue;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchHints;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.ReviewDecision;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's HTTP side enforces sign-in, tenants and roles on every endpoint, and shows only
 * the bytes that were analysed. No broker: the queue is filled directly and decisions are
 * recorded in memory; the requests come from 127.0.0.1, the trusted proxy here, carrying the
 * identity headers an oauth2-proxy would.
 */
class ConsoleServerAccessTest {

  private static final Instant NOW = ReviewEvents.NOW;
  private static final String ROLES =
      "ts-acme=acme:reviewer,ts-acme-leads=acme:lead,ts-globex=globex:reviewer";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir
  Path images;

  private final List<ReviewDecision> published = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> open = new ArrayList<>();
  private ReportQueue queue;
  private ConsoleServer server;
  private Path upload;

  @BeforeEach
  void start() throws Exception {
    upload = png(images.resolve("upload.png"), 0xff0000);
    Path reference = png(images.resolve("reference.png"), 0x00ff00);
    Path other = png(images.resolve("other.png"), 0x0000ff);
    queue = new ReportQueue(100, 100);
    queue.accept("o-ref", event("studio", "ref-1", Decision.REGISTERED, reference, List.of()));
    queue.accept(
        "acme-1",
        event("acme", "up-1", Decision.COPYRIGHT_VIOLATION, upload, List.of(match("ref-1"))));
    queue.accept(
        "globex-1",
        event("globex", "up-2", Decision.COPYRIGHT_VIOLATION, other, List.of(match("ref-1"))));
    server = start(TrustedProxies.parse(List.of("127.0.0.1", "::1")));
  }

  private ConsoleServer start(TrustedProxies proxies) {
    ReportImages reportImages = new ReportImages(
        FetchSettings.of(Map.of("fetch.file-roots", images.toString())), queue, true);
    open.add(reportImages);
    ConsoleServer started = ConsoleServer.start(
        "127.0.0.1",
        0,
        queue,
        reportImages,
        published::add,
        new SignIn(
            proxies,
            SignIn.Headers.OAUTH2_PROXY,
            new Sessions(
                "console-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8),
                Duration.ofHours(1)),
            true),
        RoleMapping.parse(ROLES),
        Clock.fixed(NOW, ZoneOffset.UTC));
    open.add(started);
    return started;
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  @Test
  void withoutAnIdentityTheApiAnswers401ButThePageIsPublic() throws Exception {
    assertThat(get(server, "/api/reports", Map.of()).statusCode()).isEqualTo(401);
    assertThat(get(server, "/api/reports/acme-1/images/query", Map.of()).statusCode())
        .isEqualTo(401);
    assertThat(get(server, "/", Map.of()).statusCode()).isEqualTo(200);
  }

  @Test
  void identityHeadersFromAnAddressThatIsNotATrustedProxyAreIgnored() throws Exception {
    ConsoleServer untrusting = start(TrustedProxies.parse(List.of("10.9.9.9")));

    HttpResponse<byte[]> answer = get(untrusting, "/api/whoami", as("lee", "ts-acme-leads"));

    assertThat(answer.statusCode()).isEqualTo(401);
    assertThat(answer.headers().firstValue("Set-Cookie")).isEmpty();
  }

  @Test
  void theProxysHeadersStartASessionThatSignsInOnItsOwn() throws Exception {
    HttpResponse<byte[]> first = get(server, "/api/whoami", as("rita", "ts-acme"));
    String cookie = first.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(cookie).contains("HttpOnly", "Secure", "SameSite=Strict", "Max-Age=3600");

    HttpResponse<byte[]> again =
        get(server, "/api/whoami", Map.of("Cookie", cookie.substring(0, cookie.indexOf(';'))));

    assertThat(again.statusCode()).isEqualTo(200);
    JsonNode who = JSON.readTree(again.body());
    assertThat(who.path("reviewer").asText()).isEqualTo("rita");
    assertThat(who.path("roles").path("acme").asText()).isEqualTo("reviewer");
  }

  @Test
  void aReviewerSeesOnlyTheirTenantsReportsOnEveryEndpoint() throws Exception {
    Map<String, String> rita = as("rita", "ts-acme");

    JsonNode list = JSON.readTree(get(server, "/api/reports", rita).body());
    assertThat(list.path("reports").findValuesAsText("id")).containsExactly("acme-1");
    assertThat(list.path("queued").asInt()).isEqualTo(1);
    assertThat(JSON.readTree(get(server, "/api/reports?tenant=globex", rita).body())
            .path("reports"))
        .isEmpty();
    for (String path : List.of(
        "/api/reports/globex-1",
        "/api/reports/globex-1/images/query",
        "/api/reports/globex-1/images/match/0")) {
      assertThat(get(server, path, rita).statusCode()).as(path).isEqualTo(404);
    }
    assertThat(
            post(server, "/api/reports/globex-1/decisions", rita, 0, "DISMISS").statusCode())
        .isEqualTo(404);
    assertThat(published).isEmpty();
    assertThat(get(server, "/api/reports/acme-1", rita).statusCode()).isEqualTo(200);
  }

  @Test
  void someoneTheRoleMappingDoesNotNameSeesNoReport() throws Exception {
    Map<String, String> ned = as("ned", "engineering");

    assertThat(JSON.readTree(get(server, "/api/reports", ned).body()).path("reports"))
        .isEmpty();
    assertThat(get(server, "/api/reports/acme-1", ned).statusCode()).isEqualTo(404);
  }

  @Test
  void aReviewerDecidesOnPairsButCannotAllowListAnUploader() throws Exception {
    Map<String, String> rita = as("rita", "ts-acme");
    JsonNode detail = JSON.readTree(get(server, "/api/reports/acme-1", rita).body());
    assertThat(detail.path("role").asText()).isEqualTo("reviewer");
    assertThat(detail.path("actions").toString())
        .contains("DISMISS")
        .doesNotContain("ALLOW_UPLOADER");

    HttpResponse<byte[]> refused =
        post(server, "/api/reports/acme-1/decisions", rita, 0, "ALLOW_UPLOADER");
    HttpResponse<byte[]> dismissed =
        post(server, "/api/reports/acme-1/decisions", rita, 0, "DISMISS");

    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(new String(refused.body(), StandardCharsets.UTF_8)).contains("needs the lead role");
    assertThat(dismissed.statusCode()).isEqualTo(201);
    assertThat(published).singleElement().satisfies(d -> {
      assertThat(d.getAction()).isEqualTo(ReviewAction.DISMISS);
      assertThat(d.getReviewer()).isEqualTo("rita");
      assertThat(d.getReviewerRole()).isEqualTo("reviewer");
    });
  }

  @Test
  void aLeadAllowListsAnUploaderAndUndoesItEachStepRecordedWithWhoAndWhen() throws Exception {
    Map<String, String> lee = as("lee", "ts-acme-leads");

    assertThat(post(server, "/api/reports/acme-1/decisions", lee, 0, "REVOKE_UPLOADER")
            .statusCode())
        .as("nothing to revoke yet")
        .isEqualTo(409);
    assertThat(post(server, "/api/reports/acme-1/decisions", lee, 0, "ALLOW_UPLOADER")
            .statusCode())
        .isEqualTo(201);
    assertThat(JSON.readTree(get(server, "/api/reports/acme-1", lee).body())
            .path("uploaderAllowed")
            .asBoolean())
        .isTrue();
    assertThat(post(server, "/api/reports/acme-1/decisions", lee, 0, "REVOKE_UPLOADER")
            .statusCode())
        .isEqualTo(201);

    JsonNode detail = JSON.readTree(get(server, "/api/reports/acme-1", lee).body());
    assertThat(detail.path("uploaderAllowed").asBoolean()).isFalse();
    assertThat(detail.path("decisions").findValuesAsText("action"))
        .containsExactly("ALLOW_UPLOADER", "REVOKE_UPLOADER");
    assertThat(published)
        .extracting(
            ReviewDecision::getAction,
            ReviewDecision::getReviewer,
            ReviewDecision::getReviewerRole,
            ReviewDecision::getDecidedAt,
            ReviewDecision::getUploader)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                ReviewAction.ALLOW_UPLOADER, "lee", "lead", NOW, "user-1"),
            org.assertj.core.groups.Tuple.tuple(
                ReviewAction.REVOKE_UPLOADER, "lee", "lead", NOW, "user-1"));
  }

  @Test
  void aDecisionWithoutTheConsolesHeaderIsRefused() throws Exception {
    HttpResponse<byte[]> answer = HTTP.send(
        request(server, "/api/reports/acme-1/decisions", as("lee", "ts-acme-leads"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"match\": 0, \"action\": \"DISMISS\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());

    assertThat(answer.statusCode()).isEqualTo(403);
    assertThat(published).isEmpty();
  }

  @Test
  void imagesAreShownOnlyWhenTheyAreTheBytesThatWereAnalysed() throws Exception {
    Map<String, String> rita = as("rita", "ts-acme");
    HttpResponse<byte[]> query = get(server, "/api/reports/acme-1/images/query", rita);
    assertThat(query.statusCode()).isEqualTo(200);
    assertThat(query.headers().firstValue("X-Doppel-Image-Verified")).contains("true");
    assertThat(get(server, "/api/reports/acme-1/images/match/0", rita).statusCode())
        .isEqualTo(200);

    png(upload, 0x123456);
    HttpResponse<byte[]> changed = get(server, "/api/reports/acme-1/images/query", rita);

    assertThat(changed.statusCode()).isEqualTo(409);
    assertThat(new String(changed.body(), StandardCharsets.UTF_8))
        .contains("not what was analysed");
  }

  @Test
  void anImageWithoutADigestIsNotShownWhileDigestsAreRequired() throws Exception {
    queue.accept(
        "acme-old",
        MatchEvent.newBuilder(
                event("acme", "up-old", Decision.DUPLICATE, upload, List.of(match("ref-1"))))
            .setContentSha256(null)
            .build());

    HttpResponse<byte[]> answer =
        get(server, "/api/reports/acme-old/images/query", as("rita", "ts-acme"));

    assertThat(answer.statusCode()).isEqualTo(409);
    assertThat(new String(answer.body(), StandardCharsets.UTF_8)).contains("no digest");
  }

  @Test
  void aSignInLinkSetsASessionAndAnExpiredOrForgedOneDoesNot() throws Exception {
    SignIn signIn = new SignIn(
        TrustedProxies.NONE,
        SignIn.Headers.OAUTH2_PROXY,
        new Sessions(
            "console-test-secret-0123456789abcdef".getBytes(StandardCharsets.UTF_8),
            Duration.ofHours(1)),
        true);
    String link =
        signIn.link(new Identity("lee", List.of("ts-acme-leads")), NOW, Duration.ofMinutes(5));

    HttpResponse<byte[]> redeemed = get(server, "/sign-in?link=" + link, Map.of());
    String expired = signIn.link(
        new Identity("lee", List.of("ts-acme-leads")),
        NOW.minusSeconds(600),
        Duration.ofMinutes(5));

    assertThat(redeemed.statusCode()).isEqualTo(303);
    assertThat(redeemed.headers().firstValue("Location")).contains("/");
    String cookie = redeemed.headers().firstValue("Set-Cookie").orElseThrow();
    assertThat(get(
                server, "/api/whoami", Map.of("Cookie", cookie.substring(0, cookie.indexOf(';'))))
            .statusCode())
        .isEqualTo(200);
    assertThat(get(server, "/sign-in?link=" + expired, Map.of()).statusCode()).isEqualTo(401);
    assertThat(get(server, "/sign-in?link=" + link + "x", Map.of()).statusCode())
        .isEqualTo(401);
  }

  private static Map<String, String> as(String user, String groups) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("X-Forwarded-User", user);
    headers.put("X-Forwarded-Groups", groups);
    return headers;
  }

  private static HttpRequest.Builder request(
      ConsoleServer target, String path, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port() + path));
    headers.forEach(request::header);
    return request;
  }

  private static HttpResponse<byte[]> get(
      ConsoleServer target, String path, Map<String, String> headers) throws Exception {
    return HTTP.send(
        request(target, path, headers).build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static HttpResponse<byte[]> post(
      ConsoleServer target, String path, Map<String, String> headers, int match, String action)
      throws Exception {
    return HTTP.send(
        request(target, path, headers)
            .header("Content-Type", "application/json")
            .header(ConsoleServer.CSRF_HEADER, "1")
            .POST(HttpRequest.BodyPublishers.ofString(
                "{\"match\": " + match + ", \"action\": \"" + action + "\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static Path png(Path file, int rgb) throws Exception {
    BufferedImage image = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
    image.setRGB(3, 4, rgb);
    ImageIO.write(image, "png", file.toFile());
    return file;
  }

  private static Match match(String imageId) {
    return ReviewEvents.violationOf(imageId)
        .setHints(MatchHints.newBuilder().build())
        .build();
  }
}
