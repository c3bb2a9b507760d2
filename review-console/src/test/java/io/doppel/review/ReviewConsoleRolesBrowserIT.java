package io.doppel.review;

import static io.doppel.review.ReviewEvents.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.image.fetch.FetchSettings;
import io.doppel.review.access.RoleMapping;
import io.doppel.review.http.ConsoleServer;
import io.doppel.review.http.Sessions;
import io.doppel.review.http.SignIn;
import io.doppel.review.http.TrustedProxies;
import io.doppel.review.images.ReportImages;
import io.doppel.review.queue.ReportQueue;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchHints;
import io.doppel.schemas.avro.Point;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.ReviewDecision;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console's page in headless Chromium, once per role, signed in as the authenticating proxy
 * would sign them in: every request the browser makes carries the proxy's identity headers (set
 * through the DevTools protocol), and the console trusts 127.0.0.1 as its proxy.
 *
 * <ul>
 *   <li>a reviewer of acme sees acme's report and not globex's, is not offered the uploader
 *       allow-list, and is refused it when the page's own script asks anyway;
 *   <li>a lead of acme allow-lists the uploader, then undoes it, and both decisions are recorded
 *       with who, in which role, and when.
 * </ul>
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver}; skips, saying so, where they are missing.
 */
class ReviewConsoleRolesBrowserIT {

  private static final Duration PAGE_WAIT = Duration.ofSeconds(30);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Instant NOW = ReviewEvents.NOW;
  private static final String ROLES =
      "ts-acme=acme:reviewer,ts-acme-leads=acme:lead,ts-globex=globex:reviewer";

  @TempDir
  Path images;

  @TempDir
  Path browserProfile;

  private final List<ReviewDecision> published = new CopyOnWriteArrayList<>();
  private ReportImages reportImages;
  private ConsoleServer server;
  private ChromeDriver browser;

  @BeforeEach
  void start() throws Exception {
    HeadlessChromium.assumeInstalled("ReviewConsoleRolesBrowserIT");
    ReportQueue queue = new ReportQueue(100, 100);
    queue.accept(
        "o-ref",
        event("studio", "ref-1", Decision.REGISTERED, png("reference.png", 0x00ff00), List.of()));
    queue.accept(
        "acme-1",
        event(
            "acme",
            "up-1",
            Decision.COPYRIGHT_VIOLATION,
            png("up-1.png", 0xff0000),
            List.of(match())));
    queue.accept(
        "globex-1",
        event(
            "globex",
            "up-2",
            Decision.COPYRIGHT_VIOLATION,
            png("up-2.png", 0x0000ff),
            List.of(match())));
    reportImages = new ReportImages(
        FetchSettings.of(Map.of("fetch.file-roots", images.toString())), queue, true);
    server = ConsoleServer.start(
        "127.0.0.1",
        0,
        queue,
        reportImages,
        published::add,
        new SignIn(
            TrustedProxies.parse(List.of("127.0.0.1", "::1")),
            SignIn.Headers.OAUTH2_PROXY,
            Sessions.withRandomSecret(Duration.ofMinutes(10)),
            false),
        RoleMapping.parse(ROLES),
        Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (server != null) {
      server.close();
    }
    if (reportImages != null) {
      reportImages.close();
    }
  }

  @Test
  void aReviewerSeesOnlyTheirTenantAndCannotAllowListTheUploader() {
    WebDriverWait wait = signIn("rita", "ts-acme");

    By acme = By.cssSelector("#queue li[data-image-id='up-1']");
    wait.until(b -> !b.findElements(acme).isEmpty());
    assertThat(browser.findElements(By.cssSelector("#queue li"))).hasSize(1);
    assertThat(browser.findElements(By.cssSelector("#queue li[data-image-id='up-2']")))
        .isEmpty();
    assertThat(browser.findElement(By.id("whoami")).getText()).contains("rita", "acme: reviewer");

    browser.findElement(acme).click();
    awaitImages(wait);
    assertThat(button("DISMISS").isDisplayed()).isTrue();
    assertThat(button("ALLOW_UPLOADER").isDisplayed()).isFalse();
    assertThat(button("REVOKE_UPLOADER").isDisplayed()).isFalse();
    assertThat(browser.findElement(By.cssSelector(".your-role")).getText()).contains("reviewer");

    // The page does not offer it; the server refuses it even when the page's script asks.
    Object status = browser.executeAsyncScript("const done = arguments[arguments.length - 1];"
        + "fetch('/api/reports/acme-1/decisions', {method: 'POST', headers: {'X-Doppel-Console': '1',"
        + " 'Content-Type': 'application/json'}, body: JSON.stringify({match: 0, action: 'ALLOW_UPLOADER'})})"
        + ".then(r => done(r.status));");
    assertThat(((Number) status).intValue()).isEqualTo(403);
    Object hidden = browser.executeAsyncScript("const done = arguments[arguments.length - 1];"
        + "fetch('/api/reports/globex-1').then(r => done(r.status));");
    assertThat(((Number) hidden).intValue()).isEqualTo(404);

    button("DISMISS").click();
    wait.until(b -> b.findElement(By.id("decision-status")).getText().startsWith("recorded"));
    assertThat(published).singleElement().satisfies(d -> {
      assertThat(d.getAction()).isEqualTo(ReviewAction.DISMISS);
      assertThat(d.getReviewer()).isEqualTo("rita");
      assertThat(d.getReviewerRole()).isEqualTo("reviewer");
    });
  }

  @Test
  void aLeadAllowListsTheUploaderAndUndoesIt() {
    WebDriverWait wait = signIn("lee", "ts-acme-leads");

    By acme = By.cssSelector("#queue li[data-image-id='up-1']");
    wait.until(b -> !b.findElements(acme).isEmpty());
    browser.findElement(acme).click();
    awaitImages(wait);
    assertThat(button("REVOKE_UPLOADER").isDisplayed()).isFalse();

    button("ALLOW_UPLOADER").click();
    wait.until(b ->
        b.findElement(By.id("decision-status")).getText().startsWith("recorded: allow_uploader"));
    wait.until(b -> button("REVOKE_UPLOADER").isDisplayed());
    assertThat(button("ALLOW_UPLOADER").isDisplayed()).isFalse();
    assertThat(browser.findElement(By.cssSelector(".uploader-status")).getText())
        .contains("user-1 is allow-listed in acme");

    button("REVOKE_UPLOADER").click();
    wait.until(b ->
        b.findElement(By.id("decision-status")).getText().startsWith("recorded: revoke_uploader"));
    wait.until(b -> button("ALLOW_UPLOADER").isDisplayed());
    assertThat(browser.findElement(By.cssSelector(".history")).getText())
        .contains("allow uploader", "revoke uploader", "by lee (lead)");

    assertThat(published)
        .extracting(
            ReviewDecision::getAction, ReviewDecision::getReviewer, ReviewDecision::getReviewerRole)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(ReviewAction.ALLOW_UPLOADER, "lee", "lead"),
            org.assertj.core.groups.Tuple.tuple(ReviewAction.REVOKE_UPLOADER, "lee", "lead"));
    assertThat(published).allSatisfy(d -> {
      assertThat(d.getUploader()).isEqualTo("user-1");
      assertThat(d.getDecidedAt()).isBetween(Instant.now().minusSeconds(120), Instant.now());
    });
  }

  /** A browser whose every request carries the identity headers the proxy would add for this person. */
  private WebDriverWait signIn(String user, String groups) {
    browser = browser();
    browser.executeCdpCommand("Network.enable", Map.of());
    browser.executeCdpCommand(
        "Network.setExtraHTTPHeaders",
        Map.of("headers", Map.of("X-Forwarded-User", user, "X-Forwarded-Groups", groups)));
    browser.get("http://127.0.0.1:" + server.port() + "/");
    return new WebDriverWait(browser, PAGE_WAIT, POLL);
  }

  private void awaitImages(WebDriverWait wait) {
    wait.until(b -> "loaded"
            .equals(b.findElement(By.cssSelector(".query-image")).getDomAttribute("data-state"))
        && "loaded"
            .equals(b.findElement(By.cssSelector(".match-image")).getDomAttribute("data-state")));
  }

  private WebElement button(String action) {
    return browser.findElement(By.cssSelector("button[data-action='" + action + "']"));
  }

  private ChromeDriver browser() {
    return HeadlessChromium.start(browserProfile, 1400, 1000);
  }

  private Path png(String name, int rgb) throws Exception {
    BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
    for (int x = 0; x < 64; x++) {
      image.setRGB(x, x * 47 / 63, rgb);
    }
    Path file = images.resolve(name);
    ImageIO.write(image, "png", file.toFile());
    return file;
  }

  private static Match match() {
    List<Point> square = List.of(
        new Point(0.1f, 0.1f), new Point(0.9f, 0.1f), new Point(0.9f, 0.9f), new Point(0.1f, 0.9f));
    return ReviewEvents.violationOf("ref-1")
        .setQueryRegion(square)
        .setReferenceRegion(square)
        .setHints(MatchHints.newBuilder().build())
        .build();
  }
}
