package io.doppel.extractor.pipeline;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.decode.BgrImage;
import io.doppel.schemas.avro.Box;
import io.doppel.schemas.avro.ViewKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The views an image is described by: FULL, MIRROR (the horizontally flipped image, so mirrored
 * copies match), and for strips at least {@code tileAspect} long, overlapping square TILE views
 * (side = the short side, start positions evenly spaced at most half a side apart, the last one
 * flush with the end) so a copy embedded in a webtoon strip can be found.
 */
public final class ViewPlanner {

  private static final int HALF = 2;

  private final ExtractorConfig.Views views;
  private final ExtractorConfig.Local local;

  public ViewPlanner(ExtractorConfig.Views views, ExtractorConfig.Local local) {
    this.views = views;
    this.local = local;
  }

  public List<PlannedView> plan(BgrImage image) {
    int w = image.width();
    int h = image.height();
    Box whole = new Box(0, 0, w, h);
    List<PlannedView> planned = new ArrayList<>();
    planned.add(new PlannedView(ViewKind.FULL, whole, image, local.maxKeypoints()));
    if (views.mirror()) {
      planned.add(new PlannedView(ViewKind.MIRROR, whole, image.mirrored(), local.maxKeypoints()));
    }
    int side = Math.min(w, h);
    int length = Math.max(w, h);
    if ((double) length / side >= views.tileAspect()) {
      boolean tall = h > w;
      for (int start : tileStarts(length, side, views.maxTiles())) {
        Box region = tall ? new Box(0, start, side, side) : new Box(start, 0, side, side);
        BgrImage pixels = image.crop(region.getX(), region.getY(), side, side);
        planned.add(new PlannedView(ViewKind.TILE, region, pixels, local.tileMaxKeypoints()));
      }
    }
    return planned;
  }

  /** Evenly spaced starts from 0 to {@code length - side}, at most half a side apart unless capped by maxTiles. */
  static List<Integer> tileStarts(int length, int side, int maxTiles) {
    if (length <= side) {
      return List.of(0);
    }
    int stride = Math.max(1, side / HALF);
    int span = length - side;
    int count = Math.min(maxTiles, (span + stride - 1) / stride + 1);
    List<Integer> starts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      starts.add((int) Math.round((double) i * span / (count - 1)));
    }
    return starts;
  }
}
