package io.doppel.extractor.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.pipeline.PhaseTimings;
import io.doppel.extractor.pipeline.PipelineFeatureExtractor;
import io.doppel.extractor.pipeline.TimedExtraction;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.topology.extract.Extraction;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * Extractor throughput over a folder of images, through the real pipeline (file:// fetch, decode,
 * views, batched model, local features): images/second, p50/p99 milliseconds per phase, failures
 * by reason and peak memory (heap, and RSS from /proc/self/status).
 *
 * <pre>ExtractorBenchmark --images DIR [--device cpu|cuda] [--batch N] [--limit N] [--model MANIFEST] [--json]</pre>
 * Other settings come from the environment as for the service (DOPPEL_EXTRACTOR_*).
 */
public final class ExtractorBenchmark {

  private static final double NANOS_PER_MILLI = 1e6;
  private static final double P50 = 0.50;
  private static final double P99 = 0.99;
  private static final long KIB = 1024;
  private static final List<String> IMAGE_SUFFIXES =
      List.of(".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff");

  public record Options(
      Path images, String device, Integer batch, Integer limit, String model, boolean json) {}

  public record PhaseStats(double p50Ms, double p99Ms, double meanMs) {}

  public record Report(
      String device,
      String model,
      int batch,
      int images,
      int extracted,
      Map<String, Integer> failures,
      double seconds,
      double imagesPerSecond,
      double cpuMsPerImage,
      Map<String, PhaseStats> phases,
      long peakHeapMiB,
      long peakRssMiB) {}

  private ExtractorBenchmark() {}

  public static void main(String[] args) throws IOException {
    System.exit(run(args, System.out, System.err));
  }

  /** Runs the benchmark; returns the process exit code. */
  public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("bench-extract: " + e.getMessage());
      err.println(
          "usage: --images DIR [--device cpu|cuda] [--batch N] [--limit N] [--model MANIFEST] [--json]");
      return 2;
    }
    Report report = measure(options);
    if (options.json()) {
      out.println(
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
    } else {
      printTable(report, out);
    }
    if (report.extracted() == 0) {
      err.println("bench-extract: no image could be extracted (" + report.failures()
          + "); the figures above mean nothing");
      return 1;
    }
    return 0;
  }

  public static Report measure(Options options) throws IOException {
    Map<String, String> overrides = new HashMap<>();
    overrides.put("fetch.file-roots", options.images().toAbsolutePath().toString());
    if (options.device() != null) {
      overrides.put("model.device", options.device());
    }
    if (options.batch() != null) {
      overrides.put("model.batch-size", String.valueOf(options.batch()));
    }
    if (options.model() != null) {
      overrides.put("model.manifest", options.model());
    }
    ExtractorConfig config = ExtractorConfig.fromEnvironment(overrides);
    List<Path> files = imagesIn(options.images(), options.limit());
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no images in " + options.images());
    }
    int batch = config.model().batchSize();
    try (PipelineFeatureExtractor extractor = new PipelineFeatureExtractor(config)) {
      extractor.extract(
          events(files.subList(0, Math.min(batch, files.size())))); // warm-up: JIT, ORT arenas
      List<PhaseTimings> timings = new ArrayList<>(files.size());
      Map<String, Integer> failures = new TreeMap<>();
      int extracted = 0;
      long start = System.nanoTime();
      long cpuStart = processCpuNanos();
      for (int from = 0; from < files.size(); from += batch) {
        for (TimedExtraction result : extractor.extractTimed(
            events(files.subList(from, Math.min(files.size(), from + batch))))) {
          timings.add(result.timings());
          if (result.extraction() instanceof Extraction.Failed failed) {
            failures.merge(failed.reason().name(), 1, Integer::sum);
          } else {
            extracted++;
          }
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double cpuMsPerImage = (processCpuNanos() - cpuStart) / NANOS_PER_MILLI / files.size();
      Map<String, PhaseStats> phases = new LinkedHashMap<>();
      phases.put("fetch", stats(timings, PhaseTimings::fetchNanos));
      phases.put("decode", stats(timings, PhaseTimings::decodeNanos));
      phases.put("preprocess", stats(timings, PhaseTimings::preprocessNanos));
      phases.put("model", stats(timings, PhaseTimings::modelNanos));
      phases.put("local", stats(timings, PhaseTimings::localNanos));
      phases.put(
          "total",
          stats(
              timings,
              t -> t.fetchNanos()
                  + t.decodeNanos()
                  + t.preprocessNanos()
                  + t.modelNanos()
                  + t.localNanos()));
      return new Report(
          extractor.device(),
          extractor.modelInfo().getId() + " v" + extractor.modelInfo().getVersion(),
          batch,
          files.size(),
          extracted,
          failures,
          seconds,
          files.size() / seconds,
          cpuMsPerImage,
          phases,
          peakHeapBytes() / (KIB * KIB),
          peakRssKib() / KIB);
    }
  }

  private static List<UploadEvent> events(List<Path> files) {
    List<UploadEvent> events = new ArrayList<>(files.size());
    for (Path file : files) {
      events.add(UploadEvent.newBuilder()
          .setTenant("bench")
          .setImageId(
              Objects.requireNonNull(file.getFileName(), "an image file").toString())
          .setPurpose(Purpose.UPLOAD)
          .setSource(file.toAbsolutePath().toUri().toString())
          .setUploadedAt(Instant.now())
          .build());
    }
    return events;
  }

  private static List<Path> imagesIn(Path dir, Integer limit) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(dir + " is not a directory");
    }
    try (Stream<Path> listing = Files.list(dir)) {
      return listing
          .filter(Files::isRegularFile)
          .filter(p -> IMAGE_SUFFIXES.stream()
              .anyMatch(s -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(s)))
          .sorted()
          .limit(limit == null ? Long.MAX_VALUE : limit)
          .toList();
    }
  }

  private static PhaseStats stats(List<PhaseTimings> timings, ToLongFunction<PhaseTimings> phase) {
    long[] values = timings.stream().mapToLong(phase).sorted().toArray();
    double mean = Arrays.stream(values).average().orElse(0);
    return new PhaseStats(
        percentile(values, P50) / NANOS_PER_MILLI,
        percentile(values, P99) / NANOS_PER_MILLI,
        mean / NANOS_PER_MILLI);
  }

  /** Nearest-rank percentile of sorted values. */
  private static long percentile(long[] sorted, double fraction) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(fraction * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  /** CPU time of the whole process (all threads, native included): on a shared machine, the honest cost figure. */
  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : 0;
  }

  private static long peakHeapBytes() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  /** VmHWM (peak resident set) from /proc/self/status, in KiB; 0 where there is no procfs. */
  private static long peakRssKib() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  private static void printTable(Report r, PrintStream out) {
    out.printf(
        Locale.ROOT,
        "extractor benchmark: %d images, model %s on %s, batch %d%n",
        r.images(),
        r.model(),
        r.device(),
        r.batch());
    out.printf(
        Locale.ROOT,
        "  extracted %d, failed %s, %.1f s, %.1f images/s, %.1f CPU ms per image (%.1f images/s per fully used core)%n",
        r.extracted(),
        r.failures(),
        r.seconds(),
        r.imagesPerSecond(),
        r.cpuMsPerImage(),
        1000 / r.cpuMsPerImage());
    out.printf(Locale.ROOT, "  %-11s %9s %9s %9s%n", "phase", "p50 ms", "p99 ms", "mean ms");
    r.phases()
        .forEach((name, s) -> out.printf(
            Locale.ROOT, "  %-11s %9.2f %9.2f %9.2f%n", name, s.p50Ms(), s.p99Ms(), s.meanMs()));
    out.printf(
        Locale.ROOT, "  peak heap %d MiB, peak RSS %d MiB%n", r.peakHeapMiB(), r.peakRssMiB());
    out.println(
        "  (model = the image's share of its batched call; phases overlap across worker threads, so they do not sum to 1/throughput)");
  }

  static Options parse(String[] args) {
    Path images = null;
    String device = null;
    Integer batch = null;
    Integer limit = null;
    String model = null;
    boolean json = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--images" ->
          images = Path.of(value(args, ++i, "--images")).toAbsolutePath().normalize();
        case "--device" -> device = value(args, ++i, "--device");
        case "--batch" -> batch = positive(value(args, ++i, "--batch"), "--batch");
        case "--limit" -> limit = positive(value(args, ++i, "--limit"), "--limit");
        case "--model" -> model = value(args, ++i, "--model");
        case "--json" -> json = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (images == null) {
      throw new IllegalArgumentException("--images DIR is required");
    }
    return new Options(images, device, batch, limit, model, json);
  }

  private static String value(String[] args, int index, String flag) {
    if (index >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[index];
  }

  private static int positive(String text, String flag) {
    try {
      int value = Integer.parseInt(text);
      if (value <= 0) {
        throw new IllegalArgumentException(flag + " must be positive");
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " must be a number, got " + text, e);
    }
  }
}
