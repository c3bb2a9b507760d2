package io.doppel.standalone.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.doppel.schemas.avro.Purpose;
import io.doppel.standalone.EmbeddedStack;
import io.doppel.standalone.StackOptions;
import io.doppel.standalone.cli.Args;
import io.doppel.standalone.cli.Progress;
import io.doppel.standalone.cli.UsageException;
import io.doppel.standalone.eval.ImageFolder;
import io.doppel.standalone.eval.PipelineDriver;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToLongFunction;

/**
 * {@code doppel soak}: uploads at a steady rate for a fixed time through the embedded pipeline, re-using a fixed pool of
 * image ids so that the index stops growing once every id is indexed (a re-upload replaces its rows). Memory is sampled
 * at fixed intervals; after the warm-up the trend of each series is fitted by least squares:
 *
 * <pre>
 * drift = slope of (t, memory(t)) over the samples after --warm-up, in MB per hour
 * </pre>
 *
 * A leak shows as a drift that stays positive however long the run; a flat pipeline's drift is near zero.
 */
public final class SoakCommand {

  private static final Duration STALL_TIMEOUT = Duration.ofMinutes(3);
  private static final double BYTES_PER_MB = 1024.0 * 1024.0;
  private static final double NANOS_PER_MILLI = 1e6;
  private static final double SECONDS_PER_HOUR = 3600;

  public static final String USAGE = """
      doppel soak [options]
        --refs DIR            references to index first (default ../shared/eval/dev/refs)
        --uploads DIR         images to upload (default ../shared/eval/dev/queries)
        --minutes M           length of the steady run (default 30)
        --rate R              uploads per second (default 2)
        --ids N               image ids re-used in turn: the index holds refs + N images (default 600); an id
                              is sent again only once its previous upload is answered (late sends are counted)
        --sample-seconds S    memory sampling interval (default 30)
        --warm-up-minutes W   samples before this are left out of the drift fit (default 5)
        --json                print the results as JSON instead of a table
        plus --index, --milvus-uri, --model, --extractor-config, --work, --partitions as for eval
      """;

  /**
   * One memory sample: this JVM's resident memory (anonymous = heap and native; file = mapped index and libraries), the
   * heap the JVM has committed (it grows in steps and is not given back, so anonymous memory grows with it), the heap as
   * the last collection of each pool left it (live data, without the garbage between collections), the broker JVM's.
   */
  record Sample(
      double minutes,
      long sent,
      long outcomes,
      long rssAnonBytes,
      long rssFileBytes,
      long heapCommittedBytes,
      long heapAfterGcBytes,
      long brokerRssBytes,
      long indexBytes,
      LatencyStats latency) {}

  private SoakCommand() {}

  public static int run(Args args, Path repositoryRoot) throws Exception {
    BenchInputs inputs = BenchInputs.fromArgs(args, repositoryRoot);
    double minutes = args.decimal("minutes", 30, 0.1);
    double rate = args.decimal("rate", 2, 0.1);
    int pool = args.integer("ids", 600, 1);
    int sampleSeconds = args.integer("sample-seconds", 30, 1);
    double warmUpMinutes = args.decimal("warm-up-minutes", 5, 0);
    boolean json = args.flag("json");
    StackOptions options = StackOptions.fromArgs(args, inputs.folders());
    args.rejectUnknown();
    if (warmUpMinutes >= minutes) {
      throw new UsageException("--warm-up-minutes (" + warmUpMinutes
          + ") must be shorter than --minutes (" + minutes + ")");
    }
    ImageFolder uploads = ImageFolder.of(inputs.uploadsDir());
    if (uploads.files().isEmpty()) {
      throw new UsageException(inputs.uploadsDir() + " holds no image files");
    }

    Map<String, Object> report = new LinkedHashMap<>();
    report.put("machine", MachineInfo.describe());
    List<Sample> samples = new ArrayList<>();
    AtomicLong answered = new AtomicLong();
    try (EmbeddedStack stack = EmbeddedStack.start(options);
        PipelineDriver driver = new PipelineDriver(
            stack.bootstrapServers(), stack.topics(), o -> answered.incrementAndGet())) {
      report.put("stack", stack.describe());
      List<String> refIds = inputs.indexReferences(driver, STALL_TIMEOUT);

      long intervalNanos = (long) (1e9 / rate);
      long total = (long) (minutes * 60 * rate);
      long started = System.nanoTime();
      long nextSample = started;
      long next = started;
      List<Double> windowMillis = new ArrayList<>();
      Progress progress = new Progress("soak", total);
      long late = 0;
      for (long i = 0; i < total; i++) {
        String id = "soak-" + (i % pool);
        if (i >= pool) {
          // the id's previous upload must be answered before the id is sent again, or the two
          // outcomes would mix:
          // if it is still in flight the pipeline is behind the rate, so the send waits (counted as
          // late)
          if (driver.latencyNanos(id) < 0) {
            late++;
            driver.awaitOutcomes(List.of(id), STALL_TIMEOUT, count -> {});
          }
          windowMillis.add(driver.latencyNanos(id) / NANOS_PER_MILLI);
          driver.forget(id);
        }
        LockSupport.parkNanos(next - System.nanoTime());
        next += intervalNanos;
        driver.send(
            BenchCommand.TENANT,
            id,
            Purpose.UPLOAD,
            uploads.files().get((int) (i % uploads.files().size())),
            null);
        driver.flush();
        progress.update(i + 1);
        if (System.nanoTime() >= nextSample) {
          samples.add(sample(
              started,
              i + 1,
              answered.get() - refIds.size(),
              stack.indexDirectory(),
              windowMillis));
          windowMillis.clear();
          nextSample += Duration.ofSeconds(sampleSeconds).toNanos();
        }
      }
      List<String> last = new ArrayList<>();
      for (long i = Math.max(0, total - pool); i < total; i++) {
        last.add("soak-" + (i % pool));
      }
      driver.awaitOutcomes(last, STALL_TIMEOUT, count -> {});
      last.forEach(id -> windowMillis.add(driver.latencyNanos(id) / NANOS_PER_MILLI));
      samples.add(sample(
          started, total, answered.get() - refIds.size(), stack.indexDirectory(), windowMillis));
      report.put(
          "run",
          Map.of(
              "minutes",
              minutes,
              "rate_per_second",
              rate,
              "uploads",
              total,
              "image_ids",
              pool,
              "references",
              refIds.size(),
              "uploads_still_in_flight_when_their_id_came_round_again",
              late));
    }
    report.put("drift_mb_per_hour_after_warm_up", drift(samples, warmUpMinutes));
    if (json) {
      report.put("samples", samples);
      System.out.println(
          new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
    } else {
      System.out.print(ReportTable.render(report));
      printSamples(samples);
    }
    return 0;
  }

  private static Sample sample(
      long started, long sent, long outcomes, Path indexDirectory, List<Double> windowMillis) {
    long pid = ProcessHandle.current().pid();
    long broker = ProcessHandle.current()
        .children()
        .mapToLong(child -> Math.max(0, ProcessMemory.rssBytes(child.pid())))
        .sum();
    return new Sample(
        (System.nanoTime() - started) / 60e9,
        sent,
        outcomes,
        ProcessMemory.rssAnonBytes(pid),
        ProcessMemory.rssFileBytes(pid),
        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted(),
        heapAfterLastGc(),
        broker,
        ProcessMemory.directoryBytes(indexDirectory),
        LatencyStats.ofMillis(
            windowMillis.stream().mapToDouble(Double::doubleValue).toArray()));
  }

  private static long heapAfterLastGc() {
    return ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(pool -> pool.getType() == MemoryType.HEAP && pool.getCollectionUsage() != null)
        .mapToLong(pool -> pool.getCollectionUsage().getUsed())
        .sum();
  }

  /** Least-squares slope of each memory series against time, over the samples after the warm-up, in MB per hour. */
  static Map<String, Object> drift(List<Sample> samples, double warmUpMinutes) {
    List<Sample> steady =
        samples.stream().filter(s -> s.minutes() >= warmUpMinutes).toList();
    Map<String, Object> drift = new LinkedHashMap<>();
    drift.put("samples", steady.size());
    drift.put("rss_anonymous", slopePerHour(steady, Sample::rssAnonBytes));
    drift.put("rss_file_mapped", slopePerHour(steady, Sample::rssFileBytes));
    drift.put("heap_committed", slopePerHour(steady, Sample::heapCommittedBytes));
    drift.put("heap_after_gc", slopePerHour(steady, Sample::heapAfterGcBytes));
    drift.put("broker_rss", slopePerHour(steady, Sample::brokerRssBytes));
    drift.put("index_on_disk", slopePerHour(steady, Sample::indexBytes));
    return drift;
  }

  static double slopePerHour(List<Sample> samples, ToLongFunction<Sample> bytes) {
    if (samples.size() < 2) {
      return Double.NaN;
    }
    double meanT = samples.stream().mapToDouble(Sample::minutes).average().orElseThrow();
    double meanY = samples.stream()
        .mapToDouble(s -> bytes.applyAsLong(s) / BYTES_PER_MB)
        .average()
        .orElseThrow();
    double covariance = 0;
    double variance = 0;
    for (Sample s : samples) {
      double dt = s.minutes() - meanT;
      covariance += dt * (bytes.applyAsLong(s) / BYTES_PER_MB - meanY);
      variance += dt * dt;
    }
    return variance == 0 ? Double.NaN : covariance / variance * (SECONDS_PER_HOUR / 60);
  }

  private static void printSamples(List<Sample> samples) {
    System.out.printf(
        Locale.ROOT,
        "%n%7s %8s %8s %10s %10s %11s %10s %10s %10s %9s %9s%n",
        "minute",
        "sent",
        "answered",
        "anon MB",
        "file MB",
        "heap c. MB",
        "heap* MB",
        "broker MB",
        "index MB",
        "p50 ms",
        "p99 ms");
    System.out.println(
        "(anon, file: this JVM's resident memory; heap c.: committed heap; heap*: heap after the last GC;"
            + " broker: the broker JVM's resident memory; latency of the uploads answered in each interval)");
    for (Sample s : samples) {
      System.out.printf(
          Locale.ROOT,
          "%7.1f %8d %8d %10.0f %10.0f %11.0f %10.0f %10.0f %10.1f %9.0f %9.0f%n",
          s.minutes(),
          s.sent(),
          s.outcomes(),
          s.rssAnonBytes() / BYTES_PER_MB,
          s.rssFileBytes() / BYTES_PER_MB,
          s.heapCommittedBytes() / BYTES_PER_MB,
          s.heapAfterGcBytes() / BYTES_PER_MB,
          s.brokerRssBytes() / BYTES_PER_MB,
          s.indexBytes() / BYTES_PER_MB,
          s.latency().p50(),
          s.latency().p99());
    }
  }
}
