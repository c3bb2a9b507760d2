package io.doppel.extractor.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.pipeline.UniformBorders;
import io.doppel.image.OpenCvRuntime;
import io.doppel.image.decode.BgrImage;
import io.doppel.schemas.avro.Box;
import io.doppel.schemas.avro.Keypoint;
import io.doppel.testing.SyntheticImages;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OrbLocalFeaturesTest {

  private static final int KEYPOINTS = 150;
  private static final int WORKING_SIZE = 640;
  private static final int GRID_CELLS = 4;
  private static final double BORDER_MARGIN = 3.0;
  private static final int BORDER_TOLERANCE = 24;
  /** A black frame on white, like the photos of a catalogue. */
  private static final Box FRAME = new Box(40, 40, 560, 400);

  private static final double SAME_PLACE_PIXELS = 1.5;
  /** Well under the ~128 bits two unrelated ORB descriptors differ by. */
  private static final int SAME_DESCRIPTOR_BITS = 24;

  @BeforeAll
  static void loadOpenCv() {
    OpenCvRuntime.ensureLoaded();
  }

  @Test
  void keypointsOnACaptionGiveWayToThoseOnThePhotoBesideIt() {
    // a meme: a bold caption on a white band over a photo; glyph corners outscore the photo's
    BufferedImage meme = SyntheticImages.solid(640, 640, Color.WHITE);
    Graphics2D g = meme.createGraphics();
    g.drawImage(SyntheticImages.grain(SyntheticImages.texture(21, 640, 400), 16, 22), 0, 240, null);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 44));
    g.drawString("WHEN THE CODE", 40, 80);
    g.drawString("COMPILES FIRST TRY", 20, 150);
    g.drawString("BUT THE TESTS", 60, 220);
    g.dispose();
    // enough that the candidates reach the photo: demotion only orders what ORB found
    int few = 500;

    LocalFeatures plain = orb(1.0, BORDER_MARGIN, false).describe(BgrImage.of(meme), few);
    LocalFeatures demoted = orb(1.0, BORDER_MARGIN, true).describe(BgrImage.of(meme), few);

    // the caption is 3/8 of the image; without demotion its glyphs take most of the keypoints
    assertThat(onCaption(plain))
        .as("keypoints on the caption, text not demoted")
        .isGreaterThan(few / 2);
    assertThat(few - onCaption(demoted))
        .as("keypoints on the photo, text demoted")
        .isGreaterThanOrEqualTo((few - onCaption(plain)) * 3 / 2);
    assertThat(demoted.keypoints()).hasSize(few);
  }

  @Test
  void aPosterOfTextAloneKeepsItsKeypoints() {
    BufferedImage poster = SyntheticImages.solid(640, 480, Color.WHITE);
    Graphics2D g = poster.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 48));
    for (int line = 0; line < 6; line++) {
      g.drawString("NOTHING BUT TEXT " + line, 20, 70 + 70 * line);
    }
    g.dispose();

    LocalFeatures plain = orb(1.0, BORDER_MARGIN, false).describe(BgrImage.of(poster), KEYPOINTS);
    LocalFeatures demoted = orb(1.0, BORDER_MARGIN, true).describe(BgrImage.of(poster), KEYPOINTS);

    assertThat(demoted.keypoints()).hasSameSizeAs(plain.keypoints());
  }

  private static long onCaption(LocalFeatures features) {
    return features.keypoints().stream().filter(k -> k.getY() < 230).count();
  }

  @Test
  void aSmallImageEnlargedForOrbGivesMoreKeypointsInItsOwnFrame() {
    BgrImage small = BgrImage.of(shrunk(SyntheticImages.texture(11, 960, 720), 128, 96));

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
    BgrImage large = BgrImage.of(SyntheticImages.texture(12, 1280, 960));

    LocalFeatures capped = orb(1.0).describe(large, KEYPOINTS);
    LocalFeatures uncapped = orb(3.0).describe(large, KEYPOINTS);

    assertThat(uncapped.descriptors()).isEqualTo(capped.descriptors());
    assertThat(uncapped.keypoints().get(0).getX())
        .isEqualTo(capped.keypoints().get(0).getX());
  }

  @Test
  void theMirrorFromTheViewsDetectionsMatchesAFreshDetectionOnTheMirrorImage() {
    BgrImage scene = BgrImage.of(SyntheticImages.texture(13, 960, 720));
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
        if (Math.hypot(reflected.getX() - detected.getX(), reflected.getY() - detected.getY())
                <= SAME_PLACE_PIXELS
            && hamming(mirror.descriptors(), i, fresh.descriptors(), j) <= SAME_DESCRIPTOR_BITS) {
          matching++;
          break;
        }
      }
    }
    assertThat((double) matching / mirror.keypoints().size())
        .as("reflected keypoints a fresh detection also describes")
        .isGreaterThanOrEqualTo(0.9);
  }

  @Test
  void theCornersAndEdgesOfAFrameGiveNoKeypoints() {
    BufferedImage framed = new BufferedImage(WORKING_SIZE, 480, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = framed.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WORKING_SIZE, 480);
    g.setColor(Color.BLACK);
    g.fillRect(FRAME.getX(), FRAME.getY(), FRAME.getWidth(), FRAME.getHeight());
    g.drawImage(SyntheticImages.texture(14, 400, 280), 120, 100, null);
    g.dispose();
    BgrImage view = BgrImage.of(framed);
    Box content = UniformBorders.contentBox(view, BORDER_TOLERANCE);

    LocalFeatures kept = orb(1.0, 0.0).describe(view, content, KEYPOINTS);
    LocalFeatures dropped = orb(1.0, BORDER_MARGIN).describe(view, content, KEYPOINTS);

    assertThat(content).isEqualTo(FRAME);
    assertThat(kept.keypoints())
        .as("the frame's corners are strong keypoints")
        .anySatisfy(k -> assertThat(onFrame(k)).isTrue());
    assertThat(dropped.keypoints())
        .isNotEmpty()
        .noneSatisfy(k -> assertThat(onFrame(k)).isTrue());
    assertThat(orb(1.0, BORDER_MARGIN).describe(view, KEYPOINTS).keypoints())
        .as("no content box given, nothing dropped")
        .isEqualTo(kept.keypoints());
  }

  /** Within {@value #BORDER_MARGIN} pixels of the frame's edges. */
  private static boolean onFrame(Keypoint k) {
    return k.getX() < FRAME.getX() + BORDER_MARGIN
        || k.getY() < FRAME.getY() + BORDER_MARGIN
        || k.getX() > FRAME.getX() + FRAME.getWidth() - BORDER_MARGIN
        || k.getY() > FRAME.getY() + FRAME.getHeight() - BORDER_MARGIN;
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
      bits += Integer.bitCount((a[i * OrbLocalFeatures.DESCRIPTOR_BYTES + k]
              ^ b[j * OrbLocalFeatures.DESCRIPTOR_BYTES + k])
          & 0xff);
    }
    return bits;
  }

  private static OrbLocalFeatures orb(double maxUpscale) {
    return orb(maxUpscale, BORDER_MARGIN);
  }

  private static OrbLocalFeatures orb(double maxUpscale, double borderMargin) {
    return orb(maxUpscale, borderMargin, false);
  }

  private static OrbLocalFeatures orb(double maxUpscale, double borderMargin, boolean demoteText) {
    return new OrbLocalFeatures(new ExtractorConfig.Local(
        KEYPOINTS,
        KEYPOINTS,
        KEYPOINTS,
        KEYPOINTS,
        WORKING_SIZE,
        maxUpscale,
        GRID_CELLS,
        borderMargin,
        demoteText));
  }

  private static BufferedImage shrunk(BufferedImage image, int width, int height) {
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    out.getGraphics()
        .drawImage(image.getScaledInstance(width, height, Image.SCALE_AREA_AVERAGING), 0, 0, null);
    return out;
  }
}
