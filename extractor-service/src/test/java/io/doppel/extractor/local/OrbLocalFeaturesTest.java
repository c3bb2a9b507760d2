package io.doppel.extractor.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.extractor.OpenCvRuntime;
import io.doppel.extractor.TestImages;
import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.decode.BgrImage;
import java.awt.Image;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OrbLocalFeaturesTest {

  private static final int KEYPOINTS = 150;
  private static final int WORKING_SIZE = 640;
  private static final int GRID_CELLS = 4;

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

  private static OrbLocalFeatures orb(double maxUpscale) {
    return new OrbLocalFeatures(new ExtractorConfig.Local(KEYPOINTS, KEYPOINTS, WORKING_SIZE, maxUpscale, GRID_CELLS));
  }

  private static BufferedImage shrunk(BufferedImage image, int width, int height) {
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    out.getGraphics().drawImage(image.getScaledInstance(width, height, Image.SCALE_AREA_AVERAGING), 0, 0, null);
    return out;
  }
}
