package io.doppel.extractor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.doppel.extractor.Fixtures;
import io.doppel.image.decode.BgrImage;
import io.doppel.schemas.avro.Box;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.ViewKind;
import io.doppel.testing.SyntheticImages;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ViewPlannerTest {

  @Test
  void tileStartsStepByHalfASideAndEndFlush() {
    assertThat(ViewPlanner.tileStarts(1000, 200, 64))
        .containsExactly(0, 100, 200, 300, 400, 500, 600, 700, 800);
    assertThat(ViewPlanner.tileStarts(1050, 200, 64)).first().isEqualTo(0);
    assertThat(ViewPlanner.tileStarts(1050, 200, 64)).last().isEqualTo(850);
    assertThat(ViewPlanner.tileStarts(200, 200, 64)).containsExactly(0);
  }

  @Test
  void tileCountIsCappedButStillCoversTheStrip() {
    List<Integer> starts = ViewPlanner.tileStarts(10_000, 100, 8);
    assertThat(starts).hasSize(8).first().isEqualTo(0);
    assertThat(starts.getLast()).isEqualTo(9_900);
  }

  @Test
  void wideImagesAreTiledAcross() {
    ViewPlanner planner =
        new ViewPlanner(Fixtures.config().views(), Fixtures.config().local());
    List<PlannedView> views = planner.plan(BgrImage.of(SyntheticImages.texture(3, 900, 300)));

    List<PlannedView> tiles =
        views.stream().filter(v -> v.kind() == ViewKind.TILE).toList();
    assertThat(tiles).extracting(v -> v.region().getX()).containsExactly(0, 150, 300, 450, 600);
    assertThat(tiles).allSatisfy(t -> assertThat(t.pixels().width()).isEqualTo(300));
    assertThat(views.get(1).kind()).isEqualTo(ViewKind.MIRROR);
  }

  @Test
  void mirrorAndCropsCanBeSwitchedOff() {
    ViewPlanner planner = new ViewPlanner(
        Fixtures.config(
                "views.mirror",
                "false",
                "views.centre-crop-share",
                "1",
                "views.border-crop",
                "false")
            .views(),
        Fixtures.config("local.dense-max-keypoints", "0").local());
    assertThat(planner.plan(BgrImage.of(SyntheticImages.texture(3, 100, 100))))
        .extracting(PlannedView::kind)
        .containsExactly(ViewKind.FULL);
  }

  @Test
  void photosGetAGlobalOnlyCentreCrop() {
    ViewPlanner planner =
        new ViewPlanner(Fixtures.config().views(), Fixtures.config().local());
    List<PlannedView> views = planner.plan(BgrImage.of(noise(400, 300, 3)));

    assertThat(views)
        .extracting(PlannedView::kind)
        .containsExactly(ViewKind.FULL, ViewKind.MIRROR, ViewKind.CROP, ViewKind.REGION);
    PlannedView centre = views.get(2);
    assertThat(centre.region()).isEqualTo(new Box(50, 37, 300, 226));
    assertThat(centre.pixels().width()).isEqualTo(300);
    assertThat(centre.maxKeypoints()).isZero();
  }

  @Test
  void aPicturePhotographedAtAnAngleIsAlsoSeenStraightOnInUploadsOnly() {
    // a print with a white margin, tilted on a desk: straightened whole, then inside its margin
    BufferedImage print = padded(noise(500, 340, 6), 40, 40, 40, 40, Color.WHITE);
    double[] xs = {160, 820, 860, 120};
    double[] ys = {110, 150, 640, 680};
    BgrImage upload = TiltedPictureTest.onDesk(print, xs, ys, 1000, 800);
    ViewPlanner planner =
        new ViewPlanner(Fixtures.config().views(), Fixtures.config().local());
    ViewPlanner switchedOff = new ViewPlanner(
        Fixtures.config("views.rectify-tilted", "false").views(),
        Fixtures.config().local());

    List<PlannedView> crops = crops(planner.plan(upload));
    List<PlannedView> otherCrops = crops(switchedOff.plan(upload));

    List<PlannedView> straightened = crops.subList(otherCrops.size(), crops.size());
    assertThat(straightened).hasSizeGreaterThanOrEqualTo(2);
    // the region is the tilted picture's bounding box in the upload, within a few pixels
    assertThat(straightened).allSatisfy(view -> {
      assertThat(view.region().getX()).isCloseTo(120, within(8));
      assertThat(view.region().getY()).isCloseTo(110, within(8));
      assertThat(view.region().getWidth()).isCloseTo(740, within(12));
      assertThat(view.region().getHeight()).isCloseTo(570, within(12));
      assertThat(view.maxKeypoints()).isZero();
    });
    PlannedView whole = straightened.get(0);
    PlannedView inside = straightened.get(1);
    assertThat((double) whole.pixels().width() / whole.pixels().height())
        .isCloseTo(580.0 / 420, withinPercentage(10));
    assertThat((double) inside.pixels().width() / inside.pixels().height())
        .as("the print inside its white margin")
        .isCloseTo(500.0 / 340, withinPercentage(10));
    assertThat(inside.pixels().width()).isLessThan(whole.pixels().width() - 40);
    assertThat(otherCrops)
        .as("switched off: the upright crops only")
        .allSatisfy(
            view -> assertThat(view.pixels().width()).isEqualTo(view.region().getWidth()));
    assertThat(crops(planner.plan(upload, Purpose.REFERENCE)))
        .as("a registered work is matched as an original")
        .hasSameSizeAs(otherCrops);
  }

  private static List<PlannedView> crops(List<PlannedView> views) {
    return views.stream().filter(v -> v.kind() == ViewKind.CROP).toList();
  }

  @Test
  void letterboxedPhotosAlsoGetTheirContentAsACrop() {
    BufferedImage letterboxed = padded(noise(300, 200, 4), 0, 60, 0, 60, new Color(30, 60, 200));
    ViewPlanner planner =
        new ViewPlanner(Fixtures.config().views(), Fixtures.config().local());

    List<PlannedView> crops = planner.plan(BgrImage.of(letterboxed)).stream()
        .filter(v -> v.kind() == ViewKind.CROP)
        .toList();

    assertThat(crops).hasSize(2);
    assertThat(crops.getLast().region()).isEqualTo(new Box(0, 60, 300, 200));
  }

  @Test
  void viewsWithKeypointsKnowTheirContentInsideUniformBorders() {
    BufferedImage padded = padded(noise(300, 200, 5), 40, 10, 20, 30, new Color(250, 250, 250));
    ViewPlanner planner =
        new ViewPlanner(Fixtures.config().views(), Fixtures.config().local());

    List<PlannedView> views = planner.plan(BgrImage.of(padded));

    assertThat(views.get(0).kind()).isEqualTo(ViewKind.FULL);
    assertThat(views.get(0).content()).isEqualTo(new Box(40, 10, 300, 200));
    assertThat(views.get(1).kind()).isEqualTo(ViewKind.MIRROR);
    assertThat(views.get(1).content())
        .as("the left and right borders swap")
        .isEqualTo(new Box(20, 10, 300, 200));
    assertThat(views.stream().filter(v -> v.kind() == ViewKind.CROP))
        .allSatisfy(crop -> assertThat(crop.content())
            .isEqualTo(new Box(0, 0, crop.pixels().width(), crop.pixels().height())));
  }

  @Test
  void stripPanelsAreTilesOfTheirOwn() {
    BufferedImage strip = StripFixture.strip(
        300, Color.BLACK, 12, noise(276, 150, 1), noise(276, 500, 2), noise(276, 160, 3));
    ViewPlanner planner =
        new ViewPlanner(Fixtures.config().views(), Fixtures.config().local());

    List<PlannedView> tiles = planner.plan(BgrImage.of(strip)).stream()
        .filter(v -> v.kind() == ViewKind.TILE)
        .toList();

    // the 500-long panel may hold several pictures: squares cover its stretch; the short panels
    // need none
    assertThat(tiles)
        .extracting(PlannedView::region)
        .containsExactly(
            new Box(0, 162, 300, 300),
            new Box(0, 274, 300, 300),
            new Box(0, 386, 300, 300),
            new Box(12, 12, 276, 150),
            new Box(12, 174, 276, 500),
            new Box(12, 686, 276, 160));
    assertThat(tiles)
        .allSatisfy(t -> assertThat(t.pixels().width()).isEqualTo(t.region().getWidth()));
    ViewPlanner withoutPanels = new ViewPlanner(
        Fixtures.config("views.strip-panels", "false").views(),
        Fixtures.config().local());
    assertThat(withoutPanels.plan(BgrImage.of(strip)))
        .noneMatch(v -> v.region().getHeight() == 150);
  }

  @Test
  void squaresCoverOnlyWhatNoSinglePicturePanelCovers() {
    // panels [12,162) and [174,324) of a 1000-long strip, 300 wide: gutters and captions (< 60)
    // need no tile
    List<Box> panels =
        List.of(new Box(12, 12, 276, 150), new Box(12, 174, 276, 150), new Box(12, 900, 276, 40));
    List<int[]> outside = ViewPlanner.spansOutside(panels, true, 1000, 60);
    assertThat(outside).containsExactly(new int[] {324, 900}, new int[] {940, 1000});

    assertThat(ViewPlanner.squareTileStarts(1000, 300, outside, 16))
        .containsExactly(324, 462, 600, 700);
    assertThat(ViewPlanner.spansOutside(List.of(), true, 1000, 60))
        .containsExactly(new int[] {0, 1000});
    assertThat(ViewPlanner.squareTileStarts(1000, 300, List.of(new int[] {0, 1000}), 16))
        .isEqualTo(ViewPlanner.tileStarts(1000, 300, 16));
    assertThat(ViewPlanner.squareTileStarts(1000, 300, List.of(new int[] {0, 1000}), 3))
        .hasSize(3);
  }

  @Test
  void stripsAreTiledNotCropped() {
    ViewPlanner planner =
        new ViewPlanner(Fixtures.config().views(), Fixtures.config().local());
    assertThat(planner.plan(BgrImage.of(SyntheticImages.texture(3, 300, 900))))
        .noneMatch(v -> v.kind() == ViewKind.CROP);
  }

  /** Pixel noise: no row or column is uniform (unlike {@link io.doppel.testing.SyntheticImages#texture}'s background). */
  static BufferedImage noise(int width, int height, long seed) {
    Random random = new Random(seed);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, random.nextInt(0xFFFFFF));
      }
    }
    return image;
  }

  static BufferedImage padded(
      BufferedImage content, int left, int top, int right, int bottom, Color colour) {
    BufferedImage out = new BufferedImage(
        content.getWidth() + left + right,
        content.getHeight() + top + bottom,
        BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = out.createGraphics();
    try {
      g.setColor(colour);
      g.fillRect(0, 0, out.getWidth(), out.getHeight());
      g.drawImage(content, left, top, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  @Test
  void anUploadedLayoutGetsRegionViewsAndARegisteredWorkNone() {
    BufferedImage collage = new BufferedImage(900, 450, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = collage.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, 900, 450);
    g.drawImage(SyntheticImages.photo(430, 430, 1), 10, 10, null);
    g.drawImage(SyntheticImages.photo(430, 430, 2), 460, 10, null);
    g.dispose();
    ViewPlanner planner =
        new ViewPlanner(Fixtures.config().views(), Fixtures.config().local());

    List<PlannedView> uploaded =
        planner.plan(BgrImage.of(collage), io.doppel.schemas.avro.Purpose.UPLOAD);
    List<PlannedView> registered =
        planner.plan(BgrImage.of(collage), io.doppel.schemas.avro.Purpose.REFERENCE);

    assertThat(uploaded)
        .filteredOn(v -> v.kind() == ViewKind.REGION && !v.dense())
        .hasSize(2)
        .allSatisfy(v ->
            assertThat(v.maxKeypoints()).isEqualTo(Fixtures.config().local().regionMaxKeypoints()));
    assertThat(registered).noneMatch(v -> v.kind() == ViewKind.REGION);
  }

  @Test
  void aPhotoOnAPlainBackgroundIsNotRepeatedAsARegion() {
    BufferedImage padded = padded(SyntheticImages.photo(300, 200, 3), 60, 60, 60, 60, Color.WHITE);
    ViewPlanner planner =
        new ViewPlanner(Fixtures.config().views(), Fixtures.config().local());

    assertThat(planner.plan(BgrImage.of(padded)))
        .as("FULL and the border CROP already describe the content")
        .noneMatch(v -> v.kind() == ViewKind.REGION && !v.dense());
  }

  @Test
  void anUploadGetsOneDenseViewOfTheWholeImageAndARegisteredWorkOrAStripNone() {
    BgrImage photo = BgrImage.of(noise(400, 300, 6));
    ViewPlanner planner =
        new ViewPlanner(Fixtures.config().views(), Fixtures.config().local());

    List<PlannedView> dense = planner.plan(photo, io.doppel.schemas.avro.Purpose.UPLOAD).stream()
        .filter(PlannedView::dense)
        .toList();

    assertThat(dense).singleElement().satisfies(view -> {
      assertThat(view.kind()).as("query-side only, like every REGION").isEqualTo(ViewKind.REGION);
      assertThat(view.region()).isEqualTo(new Box(0, 0, 400, 300));
      assertThat(view.maxKeypoints())
          .isEqualTo(Fixtures.config().local().denseMaxKeypoints())
          .isGreaterThan(Fixtures.config().local().maxKeypoints());
    });
    assertThat(planner.plan(photo, io.doppel.schemas.avro.Purpose.REFERENCE))
        .noneMatch(PlannedView::dense);
    assertThat(planner.plan(BgrImage.of(SyntheticImages.texture(3, 900, 300))))
        .as("a strip's tiles already give each panel its own keypoints")
        .noneMatch(PlannedView::dense);
  }
}
