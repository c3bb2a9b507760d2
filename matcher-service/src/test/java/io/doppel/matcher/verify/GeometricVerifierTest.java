package io.doppel.matcher.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.testing.TestFeatures;
import io.doppel.matcher.testing.TestMats;
import io.doppel.schemas.avro.FeatureView;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.ViewKind;
import org.junit.jupiter.api.Test;
import org.opencv.core.Mat;

class GeometricVerifierTest {

  /** DEV notes: ORB + RANSAC finds at least this many inliers for true copies; unrelated pairs stay below. */
  private static final int COPY_INLIERS = 12;

  private static final int WIDTH = 640;
  private static final int HEIGHT = 480;

  private final GeometricVerifier verifier = new GeometricVerifier(VerifierSettings.DEFAULTS);
  private final Mat reference = TestMats.texture(5, WIDTH, HEIGHT);
  private final StoredKeypoints referenceKeypoints = TestFeatures.keypoints(reference);

  private Verification verify(ViewKind kind, Mat query) {
    return verifier.verify(TestFeatures.queryView(kind, query), referenceKeypoints, WIDTH, HEIGHT);
  }

  @Test
  void identicalImageVerifiesWithTheIdentityRegion() {
    Verification result = verify(ViewKind.FULL, reference);

    assertThat(result.inliers()).isGreaterThan(100);
    assertThat(result.scale()).isCloseTo(1.0, within(0.02));
    assertThat(result.rotationDegrees()).isCloseTo(0.0, within(1.0));
    assertThat(result.candidateCroppedShare()).isCloseTo(0.0, within(0.02));
    assertThat(result.queryRegion()).hasSize(4);
    assertThat(result.queryRegion().getFirst().x()).isCloseTo(0.0, within(0.02));
    assertThat(result.queryRegion().get(2).y()).isCloseTo(1.0, within(0.02));
  }

  @Test
  void aCopyVerifiedThroughTheDenseViewIsReportedAsTheWholeImageNotASubPicture() {
    Verification result = verify(ViewKind.REGION, reference);

    assertThat(TestFeatures.queryView(ViewKind.REGION, reference).isDense()).isTrue();
    assertThat(result.inliers()).isGreaterThan(COPY_INLIERS);
    assertThat(result.view()).isEqualTo(ViewKind.FULL);
    assertThat(result.inTile()).isFalse();
    assertThat(result.mirrored()).isFalse();
  }

  @Test
  void cropIsVerifiedAndTheMissingShareOfTheReferenceIsReported() {
    // keeps 60 % of each side: 64 % of the reference's area is missing from the copy
    Mat crop = TestMats.crop(reference, 128, 96, 384, 288);

    Verification result = verify(ViewKind.FULL, crop);

    assertThat(result.inliers()).isGreaterThanOrEqualTo(COPY_INLIERS);
    assertThat(result.candidateCroppedShare()).isCloseTo(0.64, within(0.05));
    RegionPoint topLeftInReference = result.candidateRegion().getFirst();
    assertThat(topLeftInReference.x()).isCloseTo(0.2, within(0.02));
    assertThat(topLeftInReference.y()).isCloseTo(0.2, within(0.02));
    // the reference covers the whole copy: its frame, clipped, is the copy's frame
    assertThat(RegionPoint.area(result.queryRegion())).isCloseTo(1.0, within(0.02));
  }

  @Test
  void rotatedCopyReportsItsRotation() {
    Verification result = verify(ViewKind.FULL, TestMats.rotate(reference, 10));

    assertThat(result.inliers()).isGreaterThanOrEqualTo(COPY_INLIERS);
    // OpenCV's positive angle turns the image counter-clockwise as displayed; we report it as +10
    assertThat(result.rotationDegrees()).isCloseTo(10.0, within(1.5));
  }

  @Test
  void downscaledCopyReportsItsScale() {
    Verification result = verify(ViewKind.FULL, TestMats.resize(reference, 0.5));

    assertThat(result.inliers()).isGreaterThanOrEqualTo(COPY_INLIERS);
    assertThat(result.scale()).isCloseTo(0.5, within(0.05));
  }

  @Test
  void mirroredCopyVerifiesThroughTheMirrorViewAndRegionsAreInTheOriginalImage() {
    Mat mirrored = TestMats.mirror(TestMats.crop(reference, 0, 0, 480, 480));

    Verification full = verify(ViewKind.FULL, mirrored);
    Verification mirror = verify(ViewKind.MIRROR, mirrored);

    assertThat(full.inliers()).isLessThan(COPY_INLIERS);
    assertThat(mirror.inliers()).isGreaterThanOrEqualTo(COPY_INLIERS);
    assertThat(mirror.mirrored()).isTrue();
    // the copy shows the reference's left 3/4, flipped: the reference's left edge is the copy's
    // right edge
    assertThat(mirror.candidateRegion().getFirst().x()).isCloseTo(0.0, within(0.02));
    assertThat(mirror.candidateRegion().get(1).x()).isCloseTo(0.75, within(0.02));
    assertThat(mirror.queryRegion().getFirst().x()).isCloseTo(1.0, within(0.02));
  }

  @Test
  void unrelatedImagesStayBelowTheCopyInlierCount() {
    for (long seed = 100; seed < 105; seed++) {
      Mat unrelated = TestMats.texture(seed, WIDTH, HEIGHT);
      assertThat(verify(ViewKind.FULL, unrelated).inliers())
          .as("seed %d", seed)
          .isLessThan(COPY_INLIERS);
      assertThat(verify(ViewKind.MIRROR, unrelated).inliers())
          .as("mirror, seed %d", seed)
          .isLessThan(COPY_INLIERS);
    }
  }

  @Test
  void copyInsideATallStripIsFoundInATileAndLocatedInTheStrip() {
    Mat photo = TestMats.resize(reference, 0.5);
    Mat strip = TestMats.tallStrip(photo, 1600, 700, 77);
    ImageFeatures features = TestFeatures.features("t", "strip", Purpose.UPLOAD, strip);

    Verification best = Verification.unverified(ViewKind.TILE, 0);
    for (FeatureView view : features.getViews()) {
      Verification result = verifier.verify(
          QueryView.of(view, strip.cols(), strip.rows()), referenceKeypoints, WIDTH, HEIGHT);
      if (result.betterThan(best)) {
        best = result;
      }
    }

    assertThat(best.inliers()).isGreaterThanOrEqualTo(COPY_INLIERS);
    assertThat(best.inTile()).isTrue();
    RegionPoint top = best.queryRegion().getFirst();
    RegionPoint bottom = best.queryRegion().get(2);
    assertThat(top.y()).isCloseTo(700.0 / 1600, within(0.01));
    assertThat(bottom.y()).isCloseTo((700.0 + 240) / 1600, within(0.01));
  }

  @Test
  void tooFewKeypointsIsUnverifiedNotAnError() {
    Verification result = verifier.verify(
        TestFeatures.queryView(ViewKind.FULL, reference), StoredKeypoints.EMPTY, WIDTH, HEIGHT);

    assertThat(result.verified()).isFalse();
    assertThat(result.queryRegion()).isEmpty();
  }

  @Test
  void reversedSwapsTheSidesOfTheEvidence() {
    // the left half at 3/4 size: at 1/2 size the texture's few keypoints leave the fitted frame a
    // few % off
    Verification forward =
        verify(ViewKind.FULL, TestMats.resize(TestMats.crop(reference, 0, 0, 320, 480), 0.75));

    Verification reversed = forward.reversed();

    assertThat(reversed.scale()).isCloseTo(1 / forward.scale(), within(1e-9));
    assertThat(reversed.queryRegion()).isEqualTo(forward.candidateRegion());
    assertThat(reversed.candidateCroppedShare()).isCloseTo(0.0, within(0.02));
    assertThat(forward.candidateCroppedShare()).isCloseTo(0.5, within(0.05));
  }
}
