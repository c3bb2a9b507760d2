package io.doppel.matcher.testing;

import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.verify.GeometricVerifier;
import io.doppel.matcher.verify.QueryView;
import io.doppel.matcher.verify.Verification;
import io.doppel.matcher.verify.VerifierSettings;
import io.doppel.schemas.avro.FeatureView;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Purpose;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.opencv.core.Mat;

/**
 * Measures verification on DEV: per transform family, the share of true pairs with at least
 * {@code COPY_INLIERS} inliers, and the same share for mismatched pairs (each query against the
 * reference of the next pair). Not a test: run it by hand, e.g. from the IDE or with
 * {@code mvn exec:java -Dexec.classpathScope=test}.
 */
public final class DevVerificationSurvey {

  private static final int COPY_INLIERS = 12;

  private DevVerificationSurvey() {}

  public static void main(String[] args) {
    Path dev = args.length > 0 ? Path.of(args[0]) : TestMats.devSet();
    if (dev == null) {
      System.err.println("no DEV set (../shared/eval/dev); pass its path");
      return;
    }
    GeometricVerifier verifier = new GeometricVerifier(VerifierSettings.DEFAULTS);
    List<DevPairs.Pair> pairs = DevPairs.read(dev);
    Map<String, int[]> byFamily = new TreeMap<>();
    int unrelatedOver = 0;
    for (int i = 0; i < pairs.size(); i++) {
      DevPairs.Pair pair = pairs.get(i);
      DevPairs.Pair other = pairs.get((i + 1) % pairs.size());
      Mat query = TestMats.read(pair.query());
      ImageFeatures features = TestFeatures.features("dev", pair.queryId(), Purpose.UPLOAD, query);
      int[] counts = byFamily.computeIfAbsent(pair.family(), f -> new int[2]);
      counts[0]++;
      if (best(verifier, features, TestMats.read(pair.reference())).inliers() >= COPY_INLIERS) {
        counts[1]++;
      }
      if (!other.referenceId().equals(pair.referenceId())
          && best(verifier, features, TestMats.read(other.reference())).inliers() >= COPY_INLIERS) {
        unrelatedOver++;
      }
    }
    int total = 0;
    int found = 0;
    for (var entry : byFamily.entrySet()) {
      total += entry.getValue()[0];
      found += entry.getValue()[1];
      System.out.printf("%-16s %3d/%3d  %.3f%n", entry.getKey(), entry.getValue()[1], entry.getValue()[0],
          entry.getValue()[1] / (double) entry.getValue()[0]);
    }
    System.out.printf("all true pairs   %d/%d  %.3f with >= %d inliers; mismatched pairs over: %d/%d%n",
        found, total, found / (double) total, COPY_INLIERS, unrelatedOver, pairs.size());
  }

  public static Verification best(GeometricVerifier verifier, ImageFeatures query, Mat reference) {
    StoredKeypoints stored = TestFeatures.keypoints(reference);
    Verification best = Verification.unverified(io.doppel.schemas.avro.ViewKind.FULL, 0);
    for (FeatureView view : query.getViews()) {
      Verification result = verifier.verify(QueryView.of(view, query.getWidth(), query.getHeight()), stored,
          reference.cols(), reference.rows());
      if (result.betterThan(best)) {
        best = result;
      }
    }
    return best;
  }
}
