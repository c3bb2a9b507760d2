package io.doppel.standalone.eval;

import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.Purpose;
import io.doppel.standalone.EmbeddedStack;
import io.doppel.standalone.StackOptions;
import io.doppel.standalone.bench.LatencyStats;
import io.doppel.standalone.cli.Args;
import io.doppel.standalone.cli.Progress;
import io.doppel.standalone.cli.UsageException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code doppel eval}: indexes a folder of references and runs a folder of queries through the
 * embedded pipeline (broker, registry, index, both services' topologies, the same code as
 * production), then writes {@code query_id,reference_id,score} for every verified candidate.
 *
 * <p>rows(q) = { (q, r, score) : r ∈ matches(q), r is a reference }, best score per pair.
 */
public final class EvalCommand {

  static final String TENANT = "eval";
  static final String RIGHTS_HOLDER = "eval-rights-holder";
  private static final Duration STALL_TIMEOUT = Duration.ofMinutes(3);
  /** How long Milvus may take to build the references' indexes before the queries start anyway. */
  private static final Duration SEAL_TIMEOUT = Duration.ofMinutes(30);

  private static final double MICROS_PER_MILLI = 1_000.0;
  private static final double BYTES_PER_KB = 1_024.0;
  private static final double BYTES_PER_MB = 1_024.0 * 1_024.0;

  public static final String USAGE = """
      doppel eval --refs DIR --queries DIR --out FILE [options]
        --refs DIR            reference images, registered as protected works (REFERENCE uploads)
        --queries DIR         query images, sent as UPLOADs once every reference is indexed
        --out FILE            predictions CSV: query_id,reference_id,score (every verified candidate)
        --candidates FILE     also write each candidate's features (for fitting the calibration)
        --gt FILE             ground truth query_id,reference_id: labels the --candidates rows
        --global-only         global descriptor only: no local recall, no verification; score = cosine
        --index lucene|milvus vector index (default lucene, embedded)
                              (Milvus: the references' segments are sealed and indexed before the
                              queries, as a large index is at steady state; DOPPEL_MILVUS_* settings apply)
        --milvus-uri URI      Milvus endpoint when --index milvus (e.g. http://127.0.0.1:19530)
        --model MANIFEST      a descriptor model's manifest.json (default: the built-in model)
        --extractor-config F  extractor settings file (properties; see extractor-service/README.md)
        --policy FILE         matcher policy YAML (default: tenants eval and bench, all reference sets)
        --calibration FILE    score calibration JSON (default: the bundled one)
        --work DIR            working directory for the broker and index, kept (default: a temp dir, removed at exit)
        --partitions N        partitions per topic (default 2)
      """;

  private EvalCommand() {}

  public static int run(Args args) throws Exception {
    Path refsDir = args.existingDirectory("refs");
    Path queriesDir = args.existingDirectory("queries");
    Path out = Path.of(args.required("out"));
    String candidatesOut = args.string("candidates", null);
    String gtFile = args.string("gt", null);
    StackOptions options = StackOptions.fromArgs(args, List.of(refsDir, queriesDir));
    args.rejectUnknown();

    ImageFolder refs = ImageFolder.of(refsDir);
    ImageFolder queries = ImageFolder.of(queriesDir);
    if (refs.files().isEmpty()) {
      throw new UsageException("--refs " + refsDir + " holds no image files");
    }
    Map<String, String> truth = gtFile == null ? Map.of() : GroundTruth.read(Path.of(gtFile));

    long started = System.nanoTime();
    try (EmbeddedStack stack = EmbeddedStack.start(options)) {
      System.err.printf(
          "doppel eval: embedded stack up in %.1f s (%s)%n",
          (System.nanoTime() - started) / 1e9, stack.describe());
      try (PipelineDriver driver =
          new PipelineDriver(stack.bootstrapServers(), stack.topics(), o -> {})) {
        List<String> refIds = sendAll(driver, refs, Purpose.REFERENCE, "references");
        long sealing = System.nanoTime();
        if (!stack.sealIndex(SEAL_TIMEOUT)) {
          System.err.printf(
              "doppel eval: the index had not built every segment within %s; queries search the rest by brute"
                  + " force%n",
              SEAL_TIMEOUT);
        } else if (options.index().equals(StackOptions.MILVUS)) {
          System.err.printf(
              "doppel eval: references' segments sealed and indexed in %.1f s%n",
              (System.nanoTime() - sealing) / 1e9);
        }
        List<String> queryIds = sendAll(driver, queries, Purpose.UPLOAD, "queries");
        int failed = 0;
        int failedReferences = reportDeadLetters(driver, refIds, "reference");
        try (BufferedWriter predictions = Files.newBufferedWriter(out);
            BufferedWriter candidates =
                candidatesOut == null ? null : Files.newBufferedWriter(Path.of(candidatesOut))) {
          predictions.write("query_id,reference_id,score\n");
          if (candidates != null) {
            candidates.write(
                "query_id,reference_id,label,score,global_similarity,local_votes,inliers,inlier_area_share,"
                    + "reference_coverage,inlier_density,tentative_matches,mirrored,in_tile\n");
          }
          Set<String> refIdSet = new HashSet<>(refIds);
          Map<String, List<Double>> stageMillis = new TreeMap<>();
          for (String queryId : queryIds) {
            Outcome outcome = driver.outcome(queryId);
            if (outcome.isDeadLetter()) {
              failed++;
              System.err.printf(
                  "doppel eval: query %s dead-lettered: %s %s%n",
                  queryId,
                  outcome.deadLetter().getReason(),
                  outcome.deadLetter().getDetail());
              continue;
            }
            outcome
                .event()
                .getStageMicros()
                .forEach((stage, micros) -> stageMillis
                    .computeIfAbsent(stage, k -> new ArrayList<>())
                    .add(micros / MICROS_PER_MILLI));
            for (Match match : bestPerReference(outcome.event(), refIdSet).values()) {
              predictions.write(String.format(
                  Locale.ROOT, "%s,%s,%.6f%n", queryId, match.getImageId(), match.getScore()));
              if (candidates != null) {
                int label = match.getImageId().equals(truth.get(queryId)) ? 1 : 0;
                candidates.write(String.format(
                    Locale.ROOT,
                    "%s,%s,%d,%.6f,%.6f,%d,%d,%.6f,%.6f,%.6f,%d,%b,%b%n",
                    queryId,
                    match.getImageId(),
                    label,
                    match.getScore(),
                    match.getGlobalSimilarity(),
                    match.getLocalVotes(),
                    match.getInliers(),
                    match.getInlierAreaShare(),
                    match.getReferenceCoverage(),
                    match.getInlierDensity(),
                    match.getTentativeMatches(),
                    match.getHints().getMirrored(),
                    match.getHints().getInTile()));
              }
            }
          }
          printStageLatencies(stageMillis);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.err.printf(
            "doppel eval: %d references (%d dead-lettered), %d queries (%d dead-lettered) in %.1f s; wrote %s%n",
            refIds.size(), failedReferences, queryIds.size(), failed, seconds, out);
        long indexBytes = stack.committedIndexBytes();
        int indexed = refIds.size() + queryIds.size() - failed - failedReferences;
        if (indexBytes >= 0 && indexed > 0) {
          System.err.printf(
              Locale.ROOT,
              "doppel eval: index on disk %.1f MB for %d images (references and uploads): %.1f KB"
                  + " per image%n",
              indexBytes / BYTES_PER_MB,
              indexed,
              indexBytes / BYTES_PER_KB / indexed);
        }
        if (failed + failedReferences > 0) {
          System.err.printf(
              "doppel eval: FAILED: %d images could not be processed (reasons above); the predictions"
                  + " miss them%n",
              failed + failedReferences);
          return 1;
        }
      }
    }
    return 0;
  }

  private static List<String> sendAll(
      PipelineDriver driver, ImageFolder folder, Purpose purpose, String label)
      throws InterruptedException {
    List<String> ids = new ArrayList<>(folder.files().size());
    Progress progress = new Progress(label, folder.files().size());
    for (Path file : folder.files()) {
      String id = ImageFolder.idOf(file);
      ids.add(id);
      driver.send(TENANT, id, purpose, file, purpose == Purpose.REFERENCE ? RIGHTS_HOLDER : null);
    }
    driver.flush();
    driver.awaitOutcomes(ids, STALL_TIMEOUT, progress::update);
    return ids;
  }

  /** Prints each dead-lettered image of {@code ids}; returns how many there were. */
  private static int reportDeadLetters(PipelineDriver driver, List<String> ids, String role) {
    int deadLettered = 0;
    for (String id : ids) {
      Outcome outcome = driver.outcome(id);
      if (outcome.isDeadLetter()) {
        deadLettered++;
        System.err.printf(
            "doppel eval: %s %s dead-lettered: %s %s%n",
            role, id, outcome.deadLetter().getReason(), outcome.deadLetter().getDetail());
      }
    }
    return deadLettered;
  }

  /** Per-stage latency of the queries, from their events' stageMicros (extractor and matcher stages). */
  private static void printStageLatencies(Map<String, List<Double>> stageMillis) {
    System.err.println("doppel eval: per-query stage latency (ms)    p50      p95      max");
    stageMillis.forEach((stage, millis) -> {
      LatencyStats stats =
          LatencyStats.ofMillis(millis.stream().mapToDouble(Double::doubleValue).toArray());
      System.err.printf(
          Locale.ROOT, "  %-36s %8.1f %8.1f %8.1f%n", stage, stats.p50(), stats.p95(), stats.max());
    });
  }

  /** The best-scored match per reference image (a reference can be found through several views). */
  static Map<String, Match> bestPerReference(MatchEvent event, Set<String> refIds) {
    Map<String, Match> best = new TreeMap<>();
    for (Match match : event.getMatches()) {
      if (match.getReferenceSet() == null || !refIds.contains(match.getImageId())) {
        continue;
      }
      best.merge(match.getImageId(), match, (a, b) -> a.getScore() >= b.getScore() ? a : b);
    }
    return best;
  }

  /** The ground truth file of the eval set: query_id,reference_id. */
  static final class GroundTruth {
    static Map<String, String> read(Path file) throws IOException {
      Map<String, String> truth = new HashMap<>();
      for (String line : Files.readAllLines(file)) {
        String[] cells = line.split(",");
        if (cells.length >= 2 && !cells[0].equals("query_id")) {
          truth.put(cells[0].strip(), cells[1].strip());
        }
      }
      return truth;
    }
  }
}
