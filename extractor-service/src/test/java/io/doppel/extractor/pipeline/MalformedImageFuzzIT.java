package io.doppel.extractor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.extractor.ImageMutator;
import io.doppel.extractor.ImageMutator.Format;
import io.doppel.extractor.ImageMutator.Mutant;
import io.doppel.extractor.TestUploads;
import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.image.decode.ImageDecoder;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.testing.ImageFiles;
import io.doppel.testing.SyntheticImages;
import io.doppel.topology.extract.Extraction;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Hostile input: more than 10,000 malformed images, made from valid JPEG, PNG, GIF, WebP, BMP and
 * TIFF seeds (every format the decoder sniffs) by truncation, bit flips, edited header dimensions, corrupted chunks/markers/blocks
 * and spliced ranges ({@link ImageMutator}), go through the real extractor (built-in model, ORB,
 * default limits) on two caller threads under a small heap. Each must end as features or as a
 * rejection with the reason its DeadLetter would carry; no exception or error may escape, and no
 * image may take longer than {@link #IMAGE_TIMEOUT}.
 *
 * <p>Runs in its own Failsafe execution ({@code fuzz}, see this module's pom) with {@code
 * -Xmx512m}; the test checks it really got a small heap. Deterministic: a failure names the seed
 * and mutant index, which reproduce the input.
 */
@Tag("fuzz")
class MalformedImageFuzzIT {

  /** {@code -Dfuzz.mutants=100} gives a quick local run (which then fails the 10,000 minimum on purpose). */
  private static final int MUTANTS_PER_SEED = Integer.getInteger("fuzz.mutants", 840);

  private static final int MIN_INPUTS = 10_000;
  private static final int CALLERS = 2;
  private static final long SMALL_HEAP_BYTES = 600L * 1024 * 1024;
  /** The decoder's own budget (decode.timeout-ms) plus room for model and ORB on a busy 2-core machine. */
  private static final Duration IMAGE_TIMEOUT = ImageDecoder.DEFAULT_TIMEOUT.multipliedBy(3);

  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(5);
  private static final long RANDOM_SEED = 0x5EED_D099E1L;
  private static final int MAX_REPORTED = 20;
  private static final String FEATURES = "features";
  private static final int PROGRESS_EVERY = 1_000;
  /** What a malformed image may honestly be rejected as; MODEL_ERROR or UNKNOWN would blame the wrong party. */
  private static final Set<DeadLetterReason> IMAGE_REASONS = EnumSet.of(
      DeadLetterReason.CORRUPT,
      DeadLetterReason.UNSUPPORTED_FORMAT,
      DeadLetterReason.TOO_MANY_PIXELS);

  record Seed(String name, Format format, byte[] bytes) {}

  record Problem(String input, String what) {}

  @Test
  void everyMalformedImageEndsAsFeaturesOrAClassifiedRejection() throws Exception {
    assertThat(Runtime.getRuntime().maxMemory())
        .as("heap of this JVM: run through the 'fuzz' Failsafe execution (-Xmx512m)")
        .isLessThanOrEqualTo(SMALL_HEAP_BYTES);
    List<Seed> seeds = seeds();
    Map<String, Map<String, Integer>> outcomes = new ConcurrentHashMap<>();
    List<Problem> problems = Collections.synchronizedList(new ArrayList<>());
    AtomicLong slowestNanos = new AtomicLong();
    AtomicLong inputs = new AtomicLong();
    Map<String, String> inFlight = new ConcurrentHashMap<>();
    Map<String, Map<String, Integer>> millis = new ConcurrentHashMap<>();

    // Defaults (limits, built-in model, ORB) but no mirror view: it is a flip of pixels already
    // decoded, so it adds model time and no hostile-input coverage.
    ExtractorConfig config = ExtractorConfig.of(Map.of(
        "pipeline.worker-threads", "1", "model.intra-op-threads", "1", "views.mirror", "false"));
    long start = System.nanoTime();
    try (PipelineFeatureExtractor extractor = new PipelineFeatureExtractor(config)) {
      for (Seed seed : seeds) {
        Extraction original = extractor
            .extract(List.of(TestUploads.inline(seed.name(), seed.bytes())))
            .getFirst();
        assertThat(original)
            .as("the unmutated seed %s", seed.name())
            .isInstanceOf(Extraction.Extracted.class);
      }
      ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
      for (Seed seed : seeds) {
        ImageMutator mutator = new ImageMutator(seed.format(), seed.bytes());
        Random random = new Random(RANDOM_SEED ^ seed.name().hashCode());
        for (int i = 0; i < MUTANTS_PER_SEED; i++) {
          Mutant mutant = mutator.mutate(random);
          String input =
              seed.name() + "#" + i + " (" + mutant.kind() + ": " + mutant.description() + ")";
          callers.execute(() -> {
            long begin = System.nanoTime();
            inFlight.put(Thread.currentThread().getName(), input);
            String outcome;
            try {
              Extraction result = extractor
                  .extract(List.of(TestUploads.inline("fuzz", mutant.bytes())))
                  .getFirst();
              outcome = switch (result) {
                case Extraction.Extracted extracted -> FEATURES;
                case Extraction.Failed failed -> {
                  if (!IMAGE_REASONS.contains(failed.reason())) {
                    problems.add(new Problem(
                        input, "rejected as " + failed.reason() + ": " + failed.detail()));
                  }
                  yield failed.reason().name();
                }
              };
            } catch (
                Throwable e) { // an Error (OOM, stack overflow) is exactly what this test looks for
              problems.add(new Problem(input, "threw " + e));
              outcome = "threw " + e.getClass().getSimpleName();
            }
            long nanos = System.nanoTime() - begin;
            slowestNanos.accumulateAndGet(nanos, Math::max);
            if (nanos > IMAGE_TIMEOUT.toNanos()) {
              problems.add(new Problem(input, "took " + Duration.ofNanos(nanos)));
            }
            inFlight.remove(Thread.currentThread().getName());
            if (inputs.incrementAndGet() % PROGRESS_EVERY == 0) {
              System.out.printf(
                  "fuzz: %d done after %s%n",
                  inputs.get(), Duration.ofNanos(System.nanoTime() - start));
            }
            outcomes
                .computeIfAbsent(seed.format().name(), f -> new ConcurrentHashMap<>())
                .merge(outcome, 1, Integer::sum);
            millis
                .computeIfAbsent(seed.format().name(), f -> new ConcurrentHashMap<>())
                .merge(outcome, (int) (nanos / 1_000_000), Integer::sum);
          });
        }
      }
      callers.shutdown();
      boolean finished = callers.awaitTermination(RUN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        System.out.printf("fuzz: %d done, still running: %s%n", inputs.get(), inFlight);
        callers.shutdownNow();
      }
      assertThat(finished)
          .as("all inputs done within %s (a hung decode?)", RUN_TIMEOUT)
          .isTrue();
    }
    Duration elapsed = Duration.ofNanos(System.nanoTime() - start);

    Map<String, Integer> totals = new TreeMap<>();
    outcomes
        .values()
        .forEach(byOutcome -> byOutcome.forEach((k, v) -> totals.merge(k, v, Integer::sum)));
    System.out.printf(
        "fuzz: %d malformed images from %d seeds in %s (heap %d MiB, slowest image %d ms)%n",
        inputs.get(),
        seeds.size(),
        elapsed,
        Runtime.getRuntime().maxMemory() >> 20,
        Duration.ofNanos(slowestNanos.get()).toMillis());
    new TreeMap<>(outcomes)
        .forEach((format, byOutcome) ->
            System.out.printf("fuzz: %-5s %s%n", format, new TreeMap<>(byOutcome)));
    System.out.printf("fuzz: total %s%n", totals);
    new TreeMap<>(millis)
        .forEach((format, byOutcome) ->
            System.out.printf("fuzz: %-5s ms %s%n", format, new TreeMap<>(byOutcome)));

    assertThat(problems.subList(0, Math.min(MAX_REPORTED, problems.size())))
        .as(
            "inputs that crashed, hung or were misclassified (%d in all; first %d shown)",
            problems.size(), MAX_REPORTED)
        .isEmpty();
    assertThat(inputs.get()).isGreaterThanOrEqualTo(MIN_INPUTS);
    assertThat(outcomes.keySet())
        .containsExactlyInAnyOrder(
            java.util.Arrays.stream(Format.values()).map(Enum::name).toArray(String[]::new));
    for (var entry : outcomes.entrySet()) {
      // A fuzzer whose mutants all fail the same way tests one code path; both outcomes must occur.
      assertThat(entry.getValue())
          .as(entry.getKey())
          .containsKey(FEATURES)
          .containsKey(DeadLetterReason.CORRUPT.name());
    }
  }

  /**
   * A seed picture: a synthetic texture drawn at half the size and enlarged, so that it has about as many corners per
   * pixel as a photo. At full density ORB and the views cost about twice as much per mutant, and 10,080 mutants no
   * longer fit {@link #RUN_TIMEOUT} on a busy 2-core machine.
   */
  private static BufferedImage seedImage(long seed, int width, int height) {
    return SyntheticImages.scale(SyntheticImages.texture(seed, width / 2, height / 2), 2.0);
  }

  /** Small, deterministic seeds of every fuzzed format and its common variants. */
  private static List<Seed> seeds() {
    BufferedImage gray = new BufferedImage(112, 96, BufferedImage.TYPE_BYTE_GRAY);
    gray.getGraphics().drawImage(seedImage(3, 112, 96), 0, 0, null);
    return List.of(
        new Seed("baseline.jpg", Format.JPEG, ImageFiles.encode(seedImage(1, 128, 96), "jpeg")),
        new Seed("progressive.jpg", Format.JPEG, ImageFiles.progressiveJpeg(seedImage(2, 112, 96))),
        new Seed("rgb.png", Format.PNG, ImageFiles.encode(seedImage(4, 128, 96), "png")),
        new Seed("gray.png", Format.PNG, ImageFiles.encode(gray, "png")),
        new Seed("still.gif", Format.GIF, ImageFiles.encode(seedImage(5, 120, 96), "gif")),
        new Seed("animated.gif", Format.GIF, ImageFiles.animatedGif(seedImage(6, 96, 96), 3)),
        new Seed(
            "lossy.webp",
            Format.WEBP,
            ImageFiles.resource("/images/webp/scene-160x120-lossy.webp")),
        new Seed(
            "lossless.webp",
            Format.WEBP,
            ImageFiles.resource("/images/webp/scene-160x120-lossless.webp")),
        new Seed(
            "alpha.webp",
            Format.WEBP,
            ImageFiles.resource("/images/webp/scene-alpha-96x96-lossy.webp")),
        new Seed("rgb.bmp", Format.BMP, ImageFiles.encode(seedImage(7, 120, 90), "bmp")),
        new Seed(
            "indexed.bmp", Format.BMP, ImageFiles.encode(indexed(seedImage(8, 96, 80)), "bmp")),
        new Seed("rgb.tiff", Format.TIFF, ImageFiles.encode(seedImage(9, 112, 84), "tiff")));
  }

  /** {@code image} as an 8-bit palette image (a BMP with a colour table). */
  private static BufferedImage indexed(BufferedImage image) {
    BufferedImage indexed =
        new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_BYTE_INDEXED);
    indexed.getGraphics().drawImage(image, 0, 0, null);
    return indexed;
  }
}
