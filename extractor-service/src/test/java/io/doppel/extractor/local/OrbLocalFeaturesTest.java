package io.doppel.extractor.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.extractor.OpenCvRuntime;
import io.doppel.extractor.TestImages;
import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.decode.BgrImage;
import io.doppel.schemas.avro.Keypoint;
import java.awt.Image;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OrbLocalFeaturesTest {

  private static final int KEYPOINTS = 150;
  private static final int WORKING_SIZE = 640;
  private static final int GRID_CELLS = 4;
  private static final double SAME_PLACE_PIXELS = 1.5;
  /** Well under the ~128 bits two unrelated ORB descriptors differ by. */
  private static final int SAME_DESCRIPTOR_BITS = 24;

  @BeforeAll
  static void loadOpenCv() {
    OpenCvRuntime.ensureLoaded();
  }

  @Test
  void aSmallImageEnlargedForOrbGivesMoreKeypointsInItsOwnFrame() {
    BgrImage small = BgrImage.of(shrunk(TestImages.scene(960, 720, 11), 128, 96));

    LocalFeatures asIs = orb(1.0).describe(small, KEYPOINTS);
    LocalFeatures enlarged = orb(3.0).describe(small, KEYPOINTS);

    assertThat(enlarged.keypoints().size()).isGreaterThan(asIs.keypoints().size());
    assertThat(enlarged.keypoints()).allSatisfy(k -> {
      assertThat(k.getX()).isBetween(0f, 128f);
      assertThat(k.getY()).isBetween(0f, 96f);
    });
  }

  @Test
  void aLargeImageIsUnaffectedByTheUpscaleCap() {
    BgrImage large = BgrImage.of(TestImages.scene(1280, 960, 12));

    LocalFeatures capped = orb(1.0).describe(large, KEYPOINTS);
    LocalFeatures uncapped = orb(3.0).describe(large, KEYPOINTS);

    assertThat(uncapped.descriptors()).isEqualTo(capped.descriptors());
    assertThat(uncapped.keypoints().get(0).getX()).isEqualTo(capped.keypoints().get(0).getX());
  }

  @Test
  void theMirrorFromTheViewsDetectionsMatchesAFreshDetectionOnTheMirrorImage() {
    BgrImage scene = BgrImage.of(TestImages.scene(960, 720, 13));
    OrbLocalFeatures orb = orb(1.0);

    OrbLocalFeatures.WithMirror both = orb.describeWithMirror(scene, KEYPOINTS);
    LocalFeatures view = orb.describe(scene, KEYPOINTS);
    LocalFeatures fresh = orb.describe(scene.mirrored(), KEYPOINTS);

    assertThat(both.view().keypoints()).isEqualTo(view.keypoints());
    assertThat(both.view().descriptors()).isEqualTo(view.descriptors());
    LocalFeatures mirror = both.mirror();
    assertThat(mirror.keypoints()).hasSizeGreaterThan(KEYPOINTS * 9 / 10);
    int matching = 0;
    for (int i = 0; i < mirror.keypoints().size(); i++) {
      Keypoint reflected = mirror.keypoints().get(i);
      for (int j = 0; j < fresh.keypoints().size(); j++) {
        Keypoint detected = fresh.keypoints().get(j);
        if (Math.hypot(reflected.getX() - detected.getX(), reflected.getY() - detected.getY()) <= SAME_PLACE_PIXELS
            && hamming(mirror.descriptors(), i, fresh.descriptors(), j) <= SAME_DESCRIPTOR_BITS) {
          matching++;
          break;
        }
      }
    }
    assertThat((double) matching / mirror.keypoints().size()).as("reflected keypoints a fresh detection also describes")
        .isGreaterThanOrEqualTo(0.9);
  }

  @Test
  void anAngleReflectsAboutTheVerticalAxis() {
    assertThat(OrbLocalFeatures.reflectedAngle(0f)).isEqualTo(180f);
    assertThat(OrbLocalFeatures.reflectedAngle(180f)).isEqualTo(0f);
    assertThat(OrbLocalFeatures.reflectedAngle(90f)).isEqualTo(90f);
    assertThat(OrbLocalFeatures.reflectedAngle(270f)).isEqualTo(270f);
    assertThat(OrbLocalFeatures.reflectedAngle(30f)).isEqualTo(150f);
    assertThat(OrbLocalFeatures.reflectedAngle(200f)).isEqualTo(340f);
  }

  private static int hamming(byte[] a, int i, byte[] b, int j) {
    int bits = 0;
    for (int k = 0; k < OrbLocalFeatures.DESCRIPTOR_BYTES; k++) {
      bits += Integer.bitCount((a[i * OrbLocalFeatures.DESCRIPTOR_BYTES + k] ^ b[j * OrbLocalFeatures.DESCRIPTOR_BYTES + k]) & 0xff);
    }
    return bits;
  }

  private static OrbLocalFeatures orb(double maxUpscale) {
    return new OrbLocalFeatures(new ExtractorConfig.Local(KEYPOINTS, KEYPOINTS, WORKING_SIZE, maxUpscale, GRID_CELLS));
  }

  private static BufferedImage shrunk(BufferedImage image, int width, int height) {
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    out.getGraphics().drawImage(image.getScaledInstance(width, height, Image.SCALE_AREA_AVERAGING), 0, 0, null);
    return out;
  }
}
