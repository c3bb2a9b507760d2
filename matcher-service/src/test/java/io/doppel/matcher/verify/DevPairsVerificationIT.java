package io.doppel.matcher.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.testing.DevPairs;
import io.doppel.matcher.testing.TestFeatures;
import io.doppel.matcher.testing.TestMats;
import io.doppel.schemas.avro.FeatureView;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.ViewKind;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.Mat;

/** Real DEV pairs (../shared/eval/dev): skipped, with a message, where this checkout has none. */
class DevPairsVerificationIT {

  private static final int COPY_INLIERS = 12;
  private static final int PAIRS_PER_FAMILY = 3;
  private static final Pattern PHOTO_BOX =
      Pattern.compile("height=(\\d+).*photo_box=(\\d+),(\\d+),(\\d+),(\\d+)");

  private static Path dev;
  private final GeometricVerifier verifier = new GeometricVerifier(VerifierSettings.DEFAULTS);

  @BeforeAll
  static void findDevSet() {
    dev = TestMats.devSet();
    assumeTrue(
        dev != null, "skipped: no DEV set at ../shared/eval/dev relative to the repository root");
  }

  private static List<DevPairs.Pair> firstOf(String family) {
    return DevPairs.read(dev).stream()
        .filter(p -> p.family().equals(family))
        .limit(PAIRS_PER_FAMILY)
        .toList();
  }

  /** The best verification of any of the query's views against the pair's reference. */
  private Verification verify(DevPairs.Pair pair) {
    ImageFeatures query =
        TestFeatures.features("dev", pair.queryId(), Purpose.UPLOAD, TestMats.read(pair.query()));
    Mat reference = TestMats.read(pair.reference());
    StoredKeypoints stored = TestFeatures.keypoints(reference);
    Verification best = Verification.unverified(ViewKind.FULL, 0);
    for (FeatureView view : query.getViews()) {
      Verification result = verifier.verify(
          QueryView.of(view, query.getWidth(), query.getHeight()),
          stored,
          reference.cols(),
          reference.rows());
      if (result.betterThan(best)) {
        best = result;
      }
    }
    return best;
  }

  @Test
  void mirroredCopiesVerifyThroughTheMirrorView() {
    for (DevPairs.Pair pair : firstOf("hflip")) {
      Verification result = verify(pair);
      assertThat(result.inliers()).as(pair.queryId()).isGreaterThanOrEqualTo(COPY_INLIERS);
      assertThat(result.mirrored()).as(pair.queryId()).isTrue();
    }
  }

  @Test
  void cropsVerifyAndReportAMissingShare() {
    for (DevPairs.Pair pair : firstOf("crop_random")) {
      Verification result = verify(pair);
      double removed =
          Double.parseDouble(pair.params().replaceAll(".*area_removed=([0-9.]+).*", "$1"));
      assertThat(result.inliers()).as(pair.queryId()).isGreaterThanOrEqualTo(COPY_INLIERS);
      assertThat(result.candidateCroppedShare())
          .as(pair.queryId() + " " + pair.params())
          .isBetween(removed - 0.1, removed + 0.1);
    }
  }

  @Test
  void copiesInsideTallStripsAreFoundInATileWhereThePhotoIs() {
    for (DevPairs.Pair pair : firstOf("tall_strip")) {
      Matcher box = PHOTO_BOX.matcher(pair.params());
      assumeTrue(box.find(), "no photo box in " + pair.params());
      double stripHeight = Double.parseDouble(box.group(1));
      double top = Double.parseDouble(box.group(3)) / stripHeight;
      double bottom =
          (Double.parseDouble(box.group(3)) + Double.parseDouble(box.group(5))) / stripHeight;
      Mat strip = TestMats.read(pair.query());
      assertThat(strip.rows()).isEqualTo((int) stripHeight);

      Verification result = verify(pair);

      assertThat(result.inliers()).as(pair.queryId()).isGreaterThanOrEqualTo(COPY_INLIERS);
      assertThat(result.inTile()).as(pair.queryId()).isTrue();
      double regionTop =
          Math.min(result.queryRegion().get(0).y(), result.queryRegion().get(1).y());
      double regionBottom =
          Math.max(result.queryRegion().get(2).y(), result.queryRegion().get(3).y());
      assertThat(regionTop)
          .as(pair.queryId())
          .isCloseTo(top, org.assertj.core.api.Assertions.within(0.03));
      assertThat(regionBottom)
          .as(pair.queryId())
          .isCloseTo(bottom, org.assertj.core.api.Assertions.within(0.03));
    }
  }
}
