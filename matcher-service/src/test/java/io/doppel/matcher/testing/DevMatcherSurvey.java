package io.doppel.matcher.testing;

import io.doppel.matcher.index.lucene.LuceneIndexConfig;
import io.doppel.matcher.index.lucene.LuceneVectorIndex;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.policy.Policy;
import io.doppel.matcher.retrieval.DualRetrievalMatcher;
import io.doppel.matcher.retrieval.RetrievalSettings;
import io.doppel.matcher.score.Calibration;
import io.doppel.matcher.score.FusedScorer;
import io.doppel.matcher.verify.GeometricVerifier;
import io.doppel.matcher.verify.VerifierSettings;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.Purpose;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The whole decision core on DEV, in process, on the real Lucene index: registers the references
 * of the first {@code pairs} ground-truth pairs, then runs their queries and {@code distractors}
 * queries without a true reference as uploads. Prints violation recall (top match correct),
 * false violations on distractors and per-stage latency percentiles. The global descriptor is the
 * test helper's grey thumbnail, not the ONNX model, so retrieval leans on local votes here.
 * Usage: {@code DevMatcherSurvey [pairs] [distractors] [family]}. Not a test.
 */
public final class DevMatcherSurvey {

  private static final String POLICY = """
      version: survey
      referenceSets: [dev]
      defaults:
        duplicateThreshold: 0.5
        violationThreshold: 0.5
        referenceSets: "*"
        retroScanLookback: P30D
      """;

  private DevMatcherSurvey() {}

  public static void main(String[] args) throws Exception {
    int pairCount = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int distractorCount = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    Path dev = TestImages.devSet();
    if (dev == null) {
      System.err.println("no DEV set at ../shared/eval/dev");
      return;
    }
    String onlyFamily = args.length > 2 ? args[2] : null;
    List<DevPairs.Pair> pairs = DevPairs.read(dev).stream().filter(p -> onlyFamily == null || p.family().equals(onlyFamily))
        .limit(pairCount).toList();
    Set<String> truthQueries = DevPairs.read(dev).stream().map(DevPairs.Pair::queryId).collect(Collectors.toSet());
    List<Path> distractors;
    try (Stream<Path> files = Files.list(dev.resolve("queries"))) {
      distractors = files.filter(p -> !truthQueries.contains(p.getFileName().toString().replace(".jpg", "")))
          .sorted().limit(distractorCount).toList();
    }
    Path dir = Files.createTempDirectory("doppel-survey");
    ModelKey model = new ModelKey("test-thumbnail", "1");
    try (LuceneVectorIndex index = LuceneVectorIndex.open(LuceneIndexConfig.of(dir, model))) {
      DualRetrievalMatcher matcher = new DualRetrievalMatcher(model, index, new GeometricVerifier(VerifierSettings.DEFAULTS),
          new FusedScorer(Calibration.bundled()), Policy.parse(POLICY, "survey"), RetrievalSettings.DEFAULTS, Clock.systemUTC());
      long indexStart = System.nanoTime();
      for (DevPairs.Pair pair : pairs) {
        matcher.match(TestFeatures.features("rights", pair.referenceId(), Purpose.REFERENCE, TestImages.read(pair.reference()),
            "dev", "dev", 0));
      }
      System.out.printf("registered %d references in %.1f s%n", pairs.size(), (System.nanoTime() - indexStart) / 1e9);
      Map<String, List<Long>> stages = new HashMap<>();
      Map<String, int[]> byFamily = new java.util.TreeMap<>();
      int found = 0;
      for (DevPairs.Pair pair : pairs) {
        MatchEvent event = matcher.match(TestFeatures.features("acme", pair.queryId(), Purpose.UPLOAD,
            TestImages.read(pair.query()), null, null, 1)).getFirst();
        event.getStageMicros().forEach((stage, micros) -> stages.computeIfAbsent(stage, s -> new ArrayList<>()).add(micros));
        boolean hit = event.getDecision() == Decision.COPYRIGHT_VIOLATION
            && event.getMatches().getFirst().getImageId().equals(pair.referenceId());
        int[] counts = byFamily.computeIfAbsent(pair.family(), f -> new int[2]);
        counts[0]++;
        counts[1] += hit ? 1 : 0;
        found += hit ? 1 : 0;
      }
      int falseViolations = 0;
      for (Path query : distractors) {
        MatchEvent event = matcher.match(TestFeatures.features("acme", query.getFileName().toString(), Purpose.UPLOAD,
            TestImages.read(query), null, null, 1)).getFirst();
        falseViolations += event.getDecision() == Decision.COPYRIGHT_VIOLATION ? 1 : 0;
      }
      byFamily.forEach((family, c) -> System.out.printf("%-16s %3d/%3d%n", family, c[1], c[0]));
      System.out.printf("violations with the right top match: %d/%d; false violations on distractors: %d/%d%n",
          found, pairs.size(), falseViolations, distractors.size());
      stages.forEach((stage, values) -> {
        Collections.sort(values);
        System.out.printf("stage %-10s p50 %7d us  p95 %7d us%n", stage, values.get(values.size() / 2),
            values.get((int) (values.size() * 0.95)));
      });
    }
  }
}
