package io.doppel.standalone.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.review.HeadlessChromium;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.ReviewDecision;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The review console on the embedded stack, driven by headless Chromium as a reviewer would: a
 * copy of a registered work is reported, its matched region is drawn on both images, dismissing it
 * puts a decision on review-feedback, and uploading the same image again is no longer reported.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver} (scripts/test.sh installs them where
 * it can); skips, saying so, where they are missing. Uses a DEV pair when ../shared exists, else
 * generated images. {@code -Ddoppel.review.screenshot=FILE} also writes the report page's
 * screenshot there (docs/review-console.png is made this way).
 */
class ReviewConsoleEndToEndIT {

  private static final Path DEV = Path.of("../../shared/eval/dev");
  private static final Duration PIPELINE_STALL = Duration.ofMinutes(2);
  private static final Duration PAGE_WAIT = Duration.ofSeconds(30);
  private static final Duration TOPIC_WAIT = Duration.ofSeconds(60);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final int WINDOW_WIDTH = 1500;
  private static final int WINDOW_HEIGHT = 1000;

  @TempDir
  Path browserProfile;

  @Test
  void aDismissedCopyIsRecordedAndNotReportedAgain() throws Exception {
    HeadlessChromium.assumeInstalled("ReviewConsoleEndToEndIT");
    if (!Files.isDirectory(DEV)) {
      System.out.println("ReviewConsoleEndToEndIT: " + DEV.toAbsolutePath().normalize()
          + " does not exist; using generated images instead of a DEV pair");
    }

    try (Demo demo =
        Demo.start(new Demo.Options(Files.isDirectory(DEV) ? DEV : null, 1, "127.0.0.1", 0))) {
      demo.preload(PIPELINE_STALL);
      DemoSamples.Sample copy = demo.samples().getFirst();
      var preloaded = demo.driver().outcome(copy.queryId());
      assertThat(preloaded.isDeadLetter())
          .as("dead letter: %s", preloaded.deadLetter())
          .isFalse();
      assertThat(preloaded.event().getDecision())
          .as(
              "the pipeline's decision on the copy %s (%s) of %s",
              copy.queryId(), copy.transform(), copy.referenceId())
          .isEqualTo(Decision.COPYRIGHT_VIOLATION);
      ChromeDriver browser = browser();
      try {
        browser.get(demo.url().toString());
        WebDriverWait wait = new WebDriverWait(browser, PAGE_WAIT, POLL);

        By reportItem = By.cssSelector("#queue li[data-image-id='" + copy.queryId() + "']");
        try {
          wait.until(b -> !b.findElements(reportItem).isEmpty());
        } catch (org.openqa.selenium.TimeoutException e) {
          throw new AssertionError(
              "no report for " + copy.queryId() + " in the queue; page:\n"
                  + browser.getPageSource(),
              e);
        }
        browser.findElement(reportItem).click();

        wait.until(b -> "loaded"
                .equals(b.findElement(By.cssSelector(".query-image")).getDomAttribute("data-state"))
            && "loaded"
                .equals(
                    b.findElement(By.cssSelector(".match-image")).getDomAttribute("data-state")));
        for (String side : List.of("query", "reference")) {
          WebElement polygon =
              browser.findElement(By.cssSelector("polygon[data-side='" + side + "']"));
          assertThat(area(polygon.getDomAttribute("points")))
              .as("area of the %s region", side)
              .isGreaterThan(0.01);
          assertThat(polygon.getRect().getWidth())
              .as("drawn width of the %s region", side)
              .isPositive();
        }
        screenshot(browser);

        browser.findElement(By.cssSelector("button[data-action='DISMISS']")).click();
        wait.until(b -> b.findElement(By.id("decision-status")).getText().startsWith("recorded"));
      } finally {
        browser.quit();
      }

      ReviewDecision decision = readFeedback(demo);
      assertThat(decision.getAction()).isEqualTo(ReviewAction.DISMISS);
      assertThat(decision.getReviewer()).isEqualTo(Demo.REVIEWER);
      assertThat(decision.getImageId()).isEqualTo(copy.queryId());
      assertThat(decision.getMatch().getImageId()).isEqualTo(copy.referenceId());
      assertThat(decision.getDecidedAt())
          .isBetween(Instant.now().minus(PIPELINE_STALL), Instant.now());

      demo.sendCopy(copy);
      List<MatchEvent> outcomes = outcomesOf(demo, copy.queryId(), 2);
      assertThat(outcomes.getFirst().getDecision()).isEqualTo(Decision.COPYRIGHT_VIOLATION);
      MatchEvent again = outcomes.get(1);
      assertThat(again.getDecision()).isEqualTo(Decision.CLEAN);
      assertThat(again.getMatches())
          .filteredOn(m -> m.getImageId().equals(copy.referenceId()))
          .singleElement()
          .satisfies(m -> assertThat(m.getKind()).isEqualTo(MatchKind.BELOW_THRESHOLD));
    }
  }

  private ChromeDriver browser() {
    return HeadlessChromium.start(browserProfile, WINDOW_WIDTH, WINDOW_HEIGHT);
  }

  private static void screenshot(ChromeDriver browser) throws Exception {
    File shot = browser.getScreenshotAs(OutputType.FILE);
    Path target = Path.of("target/review-console.png");
    Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    String extra = System.getProperty("doppel.review.screenshot");
    if (extra != null && !extra.isBlank()) {
      Files.copy(shot.toPath(), Path.of(extra), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Shoelace area of an SVG {@code points} list in the unit square. */
  private static double area(String points) {
    double[][] p = Arrays.stream(points.trim().split("\\s+"))
        .map(xy -> xy.split(","))
        .map(xy -> new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])})
        .toArray(double[][]::new);
    double twice = 0;
    for (int i = 0; i < p.length; i++) {
      double[] a = p[i];
      double[] b = p[(i + 1) % p.length];
      twice += a[0] * b[1] - b[0] * a[1];
    }
    return Math.abs(twice) / 2;
  }

  private static ReviewDecision readFeedback(Demo demo) {
    var topic = demo.stack().topics().reviewFeedback();
    List<ReviewDecision> found = read(
        demo,
        Topics.REVIEW_FEEDBACK,
        1,
        r -> topic.valueSerde().deserializer().deserialize(r.topic(), r.value()));
    return found.getFirst();
  }

  /** The first {@code count} terminal events of {@code imageId}, in the order they were decided. */
  private static List<MatchEvent> outcomesOf(Demo demo, String imageId, int count) {
    var topics = demo.stack().topics();
    List<MatchEvent> events = new ArrayList<>();
    long deadline = System.nanoTime() + TOPIC_WAIT.toNanos();
    while (events.size() < count && System.nanoTime() < deadline) {
      events = new ArrayList<>();
      for (String name : List.of(Topics.DUPLICATES, Topics.VIOLATIONS, Topics.OUTCOMES)) {
        events.addAll(read(
                demo,
                name,
                0,
                r ->
                    topics.outcomes().valueSerde().deserializer().deserialize(r.topic(), r.value()))
            .stream()
            .filter(e -> e.getImageId().equals(imageId))
            .toList());
      }
    }
    events.sort(java.util.Comparator.comparing(MatchEvent::getDecidedAt));
    assertThat(events).as("terminal events of %s", imageId).hasSizeGreaterThanOrEqualTo(count);
    return events;
  }

  /** Every committed record of {@code topic}, decoded; waits until there are at least {@code atLeast}. */
  private static <T> List<T> read(
      Demo demo,
      String topic,
      int atLeast,
      java.util.function.Function<ConsumerRecord<byte[], byte[]>, T> decode) {
    Map<String, Object> settings = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
        demo.stack().bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
        "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
        false);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(settings, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition()))
          .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<T> out = new ArrayList<>();
      long deadline = System.nanoTime() + TOPIC_WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        consumer.poll(POLL).forEach(r -> out.add(decode.apply(r)));
        boolean atEnd = partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
        if (atEnd && out.size() >= atLeast) {
          return out;
        }
        if (atEnd) {
          end.putAll(consumer.endOffsets(partitions));
        }
      }
      throw new AssertionError(
          "fewer than " + atLeast + " records on " + topic + " within " + TOPIC_WAIT);
    }
  }
}
