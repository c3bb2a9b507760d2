package io.doppel.standalone.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.Purpose;
import io.doppel.standalone.EmbeddedStack;
import io.doppel.standalone.StackOptions;
import io.doppel.standalone.cli.Args;
import io.doppel.standalone.cli.Progress;
import io.doppel.standalone.cli.UsageException;
import io.doppel.standalone.eval.ImageFolder;
import io.doppel.standalone.eval.Outcome;
import io.doppel.standalone.eval.PipelineDriver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code doppel bench}: throughput and latency through the embedded pipeline (the real broker,
 * serdes, topologies and index), then index query latency against index size.
 *
 * <pre>
 * throughput = uploads / (time of the last outcome − time of the first send), sent as fast as possible
 * latency    = outcome received − upload sent, uploads paced at --rate per second
 * </pre>
 *
 * <p>On Milvus, the references' segments are sealed and indexed before any upload, as in eval. Before the throughput
 * run, {@code --warmup} uploads (not measured) let the JIT compile the query path: the
 * references exercise only the registration path. Warm-up, throughput and latency runs upload different images of
 * the folder (its end, its start, and the images after the throughput ones), so that no measured upload is a cheap
 * re-upload of an earlier one; a folder too small for that is cycled, and the report says so.
 */
public final class BenchCommand {

  static final String TENANT = "bench";
  private static final Duration STALL_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration SEAL_TIMEOUT = Duration.ofMinutes(30);
  private static final double NANOS_PER_MILLI = 1e6;
  private static final double MICROS_PER_SECOND = 1e6;
  private static final int SLOWEST_SHOWN = 5;

  public static final String USAGE = """
      doppel bench [options]
        --refs DIR            references to index first (default ../shared/eval/dev/refs)
        --uploads DIR         images to upload (default ../shared/eval/dev/queries)
        --count N             uploads in the throughput run (default 500)
        --warmup N            uploads before it, not measured, so the JIT has compiled the query path (default 200)
        --rate R              uploads per second in the latency run (default 10)
        --latency-count N     uploads in the latency run (default 300)
        --index-sizes LIST    synthetic index sizes for query latency (default 10000,100000,1000000; 0 skips)
        --json                print the results as JSON instead of a table
        plus --index, --milvus-uri, --model, --extractor-config, --work, --partitions as for eval
      """;

  private BenchCommand() {}

  public static int run(Args args, Path repositoryRoot) throws Exception {
    BenchInputs inputs = BenchInputs.fromArgs(args, repositoryRoot);
    int count = args.integer("count", 500, 1);
    double rate = args.decimal("rate", 10, 0.1);
    int latencyCount = args.integer("latency-count", 300, 0);
    int warmup = args.integer("warmup", 200, 0);
    String indexSizes = args.string("index-sizes", "10000,100000,1000000");
    boolean json = args.flag("json");
    StackOptions options = StackOptions.fromArgs(args, inputs.folders());
    args.rejectUnknown();

    ImageFolder uploads = ImageFolder.of(inputs.uploadsDir());
    int images = uploads.files().size();
    if (images == 0) {
      throw new UsageException(inputs.uploadsDir() + " holds no image files");
    }
    boolean reused = warmup + count + latencyCount > images;
    if (reused) {
      System.err.printf(
          "doppel bench: %s holds %d images, fewer than the %d uploads of warm-up, throughput and latency"
              + " runs: some measured uploads re-upload an earlier image (cheaper than a new one)%n",
          inputs.uploadsDir(), images, warmup + count + latencyCount);
    }
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("machine", MachineInfo.describe());
    try (EmbeddedStack stack = EmbeddedStack.start(options);
        PipelineDriver driver =
            new PipelineDriver(stack.bootstrapServers(), stack.topics(), o -> {})) {
      report.put("stack", stack.describe());
      long indexStart = System.nanoTime();
      List<String> refIds = inputs.indexReferences(driver, STALL_TIMEOUT);
      double indexSeconds = (System.nanoTime() - indexStart) / 1e9;
      report.put(
          "references",
          Map.of(
              "count",
              refIds.size(),
              "seconds",
              indexSeconds,
              "images_per_second",
              refIds.size() / indexSeconds));
      // as eval does: a large index is at steady state, its rows in built indexes (Milvus searches
      // the rows of unsealed segments by brute force whatever index is configured)
      long sealStart = System.nanoTime();
      boolean sealed = stack.sealIndex(SEAL_TIMEOUT);
      if (options.index().equals(StackOptions.MILVUS)) {
        report.put(
            "seal",
            Map.of("seconds", (System.nanoTime() - sealStart) / 1e9, "every_row_indexed", sealed));
      }

      if (warmup > 0) {
        long warmupStart = System.nanoTime();
        List<String> warmupIds =
            send(driver, uploads, "warm", warmup, Math.floorMod(images - warmup, images), 0);
        driver.awaitOutcomes(warmupIds, STALL_TIMEOUT, new Progress("warm-up", warmup)::update);
        report.put(
            "warmup",
            Map.of(
                "uploads",
                warmup,
                "seconds",
                (System.nanoTime() - warmupStart) / 1e9,
                "note",
                "not measured: lets the JIT compile the query path"));
      }

      List<String> throughputIds = send(driver, uploads, "tp", count, 0, 0);
      long throughputStart = System.nanoTime();
      driver.awaitOutcomes(throughputIds, STALL_TIMEOUT, new Progress("throughput", count)::update);
      double throughputSeconds = (System.nanoTime() - throughputStart) / 1e9;
      report.put(
          "throughput",
          Map.of(
              "uploads",
              count,
              "seconds",
              throughputSeconds,
              "uploads_per_second",
              count / throughputSeconds,
              "distinct_images",
              !reused,
              "stages",
              stageStats(driver, throughputIds)));

      if (latencyCount > 0) {
        List<String> latencyIds = send(driver, uploads, "lat", latencyCount, count % images, rate);
        driver.awaitOutcomes(
            latencyIds, STALL_TIMEOUT, new Progress("latency", latencyCount)::update);
        double[] millis = latencyIds.stream()
            .mapToDouble(id -> driver.latencyNanos(id) / NANOS_PER_MILLI)
            .toArray();
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("rate_per_second", rate);
        latency.putAll(LatencyStats.ofMillis(millis).toMap());
        latency.put("slowest", slowest(driver, latencyIds, SLOWEST_SHOWN));
        report.put("latency", latency);
      }
      int indexed = refIds.size() + warmup + count + latencyCount;
      long indexBytes = stack.committedIndexBytes();
      report.put(
          "index",
          Map.of(
              "images",
              indexed,
              "bytes",
              indexBytes,
              "bytes_per_image",
              indexBytes < 0 ? -1 : indexBytes / indexed));
      report.put(
          "memory",
          Map.of(
              "peak_rss_bytes",
              ProcessMemory.peakRssBytes(ProcessHandle.current().pid()),
              "heap_used_bytes",
              Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory(),
              "note",
              "this JVM (extractor, matcher, index); the broker runs in a child JVM"));
    }
    print(report, json);
    if (!indexSizes.equals("0")) {
      System.out.println();
      System.out.println(
          "index query latency vs index size (synthetic vectors; ./doppel bench-index for options):");
      List<String> indexArgs =
          new ArrayList<>(List.of("--backend", options.index(), "--sizes", indexSizes));
      if (options.milvusUri() != null) {
        indexArgs.addAll(List.of("--milvus-uri", options.milvusUri()));
      }
      if (json) {
        indexArgs.add("--json");
      }
      IndexBenchmark.main(indexArgs.toArray(String[]::new));
    }
    return 0;
  }

  /**
   * Sends {@code count} uploads of the folder's images from {@code first} on, cycling (fresh ids each), paced at
   * {@code rate}/s (0: unpaced).
   */
  private static List<String> send(
      PipelineDriver driver, ImageFolder folder, String prefix, int count, int first, double rate) {
    List<String> ids = new ArrayList<>(count);
    long intervalNanos = rate > 0 ? (long) (1e9 / rate) : 0;
    long next = System.nanoTime();
    for (int i = 0; i < count; i++) {
      Path file = folder.files().get((first + i) % folder.files().size());
      String id = prefix + "-" + i + "-" + ImageFolder.idOf(file);
      if (intervalNanos > 0) {
        LockSupport.parkNanos(next - System.nanoTime());
        next += intervalNanos;
      }
      driver.send(TENANT, id, Purpose.UPLOAD, file, null);
      ids.add(id);
      if (intervalNanos > 0) {
        driver.flush();
      }
    }
    driver.flush();
    return ids;
  }

  /** Per-stage time from the events' stageMicros: percentiles, and images/s one core could do. */
  private static Map<String, Object> stageStats(PipelineDriver driver, List<String> ids) {
    Map<String, List<Double>> byStage = new TreeMap<>();
    for (String id : ids) {
      Outcome outcome = driver.outcome(id);
      if (outcome == null || outcome.isDeadLetter()) {
        continue;
      }
      MatchEvent event = outcome.event();
      event
          .getStageMicros()
          .forEach((stage, micros) ->
              byStage.computeIfAbsent(stage, s -> new ArrayList<>()).add(micros / 1000.0));
    }
    Map<String, Object> stats = new LinkedHashMap<>();
    byStage.forEach((stage, millis) -> {
      LatencyStats s =
          LatencyStats.ofMillis(millis.stream().mapToDouble(Double::doubleValue).toArray());
      Map<String, Object> entry = new LinkedHashMap<>(s.toMap());
      entry.put(
          "images_per_second_per_thread",
          s.mean() > 0 ? MICROS_PER_SECOND / (s.mean() * 1000) : Double.NaN);
      stats.put(stage, entry);
    });
    return stats;
  }

  /**
   * The {@code limit} slowest uploads: latency, the time their stages took (service) and the rest (waiting in topics
   * and queues), so that a tail can be told apart as heavy images or as queueing behind them.
   */
  private static List<Map<String, Object>> slowest(
      PipelineDriver driver, List<String> ids, int limit) {
    return ids.stream()
        .filter(id -> driver.outcome(id) != null && !driver.outcome(id).isDeadLetter())
        .sorted(Comparator.comparingLong(driver::latencyNanos).reversed())
        .limit(limit)
        .map(id -> {
          MatchEvent event = driver.outcome(id).event();
          double latencyMs = driver.latencyNanos(id) / NANOS_PER_MILLI;
          double serviceMs = event.getStageMicros().values().stream()
                  .mapToLong(Long::longValue)
                  .sum()
              / 1000.0;
          Map<String, Object> entry = new LinkedHashMap<>();
          entry.put("upload", id);
          entry.put("latency_ms", latencyMs);
          entry.put("stages_ms", serviceMs);
          entry.put("waiting_ms", latencyMs - serviceMs);
          Map<String, Double> stages = new TreeMap<>();
          event.getStageMicros().forEach((stage, micros) -> stages.put(stage, micros / 1000.0));
          entry.put("stage_ms", stages);
          return entry;
        })
        .toList();
  }

  private static void print(Map<String, Object> report, boolean json) throws Exception {
    if (json) {
      System.out.println(
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
    } else {
      System.out.print(ReportTable.render(report));
    }
  }
}
