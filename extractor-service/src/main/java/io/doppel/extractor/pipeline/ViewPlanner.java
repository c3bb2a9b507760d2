package io.doppel.extractor.pipeline;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.image.decode.BgrImage;
import io.doppel.schemas.avro.Box;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.ViewKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.opencv.core.CvException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The views an image is described by: FULL, MIRROR (the horizontally flipped image, so mirrored
 * copies match), and for strips at least {@code tileAspect} long, TILE views: one per panel between
 * the strip's uniform gutters (a square tile holds a short panel together with its neighbours, which
 * hides it from the global descriptor), and overlapping square tiles (side = the short side, starts
 * at most half a side apart) over every stretch that no single-picture panel covers: the whole strip
 * when it has no gutters, and panels longer than the strip is wide, which may hold several pictures
 * with no gutter between them. So a copy embedded in a webtoon strip can be found. Other images get
 * global-only CROP views (no keypoints; FULL's cover the same pixels): the centred
 * {@code centreCropShare} of each side, which leaves out the fill corners of a rotated copy and
 * frames like a centre crop does, and the content inside uniform borders where those cover at least
 * {@value #MIN_BORDER_AREA_SHARE} of the image (padding and letterboxing squash the content in the
 * model's fixed-size input), and REGION views of the photo-like parts of a layout ({@link RegionProposer}: the post in
 * a screenshot, a meme's photo, the tiles of a collage, an inset), each with its own keypoints, so that a copy that
 * fills a fifth of an upload is described by itself. Last, an upload that is not a strip gets a DENSE view: the whole
 * image again as a REGION, with {@code denseMaxKeypoints} keypoints (FULL has {@code maxKeypoints}) and FULL's global
 * descriptor. It finds the copies no proposed region outlines (a photo tilted in a screen photographed at an angle, a
 * collage tile with no gutter, a story photo under stickers): a copy filling a tenth of the upload holds about a tenth
 * of its keypoints, a dozen of FULL's but a hundred of DENSE's, enough to verify. Like every REGION view it is only ever
 * searched, never indexed, so the index does not grow. An upload with a picture photographed at an angle ({@link
 * TiltedPicture}: a screen, a phone, a print on a desk) also gets global-only CROP views of that picture seen straight
 * on: whole, inside its uniform borders, and the first picture proposed inside it. Each view with keypoints carries its
 * content inside uniform borders, so that keypoints along a border's edge, which every image with such a border shares,
 * can be left out.
 */
public final class ViewPlanner {

  private static final Logger LOG = LoggerFactory.getLogger(ViewPlanner.class);

  private static final int HALF = 2;
  static final double MIN_BORDER_AREA_SHARE = 0.03;
  /** A strip panel shorter than this share of the strip's width (of a tall strip) is a caption, not a picture. */
  static final double MIN_PANEL_SHARE = 0.2;

  private static final int NO_KEYPOINTS = 0;

  private final ExtractorConfig.Views views;
  private final ExtractorConfig.Local local;
  private final RegionProposer regions;

  public ViewPlanner(ExtractorConfig.Views views, ExtractorConfig.Local local) {
    this.views = views;
    this.local = local;
    this.regions = new RegionProposer(views.maxRegions(), views.borderTolerance());
  }

  /** The views of an uploaded image. */
  public List<PlannedView> plan(BgrImage image) {
    return plan(image, Purpose.UPLOAD);
  }

  /**
   * The views of an image uploaded for {@code purpose}. A REFERENCE gets no REGION views: regions are only ever searched,
   * never indexed, and a registered work is matched as an original, not searched for inside a layout.
   */
  public List<PlannedView> plan(BgrImage image, Purpose purpose) {
    int w = image.width();
    int h = image.height();
    Box whole = new Box(0, 0, w, h);
    Box content = UniformBorders.contentBox(image, views.borderTolerance());
    List<PlannedView> planned = new ArrayList<>();
    planned.add(new PlannedView(ViewKind.FULL, whole, image, local.maxKeypoints(), content));
    if (views.mirror()) {
      Box mirroredContent = new Box(
          w - content.getX() - content.getWidth(),
          content.getY(),
          content.getWidth(),
          content.getHeight());
      planned.add(new PlannedView(
          ViewKind.MIRROR, whole, image.mirrored(), local.maxKeypoints(), mirroredContent));
    }
    int side = Math.min(w, h);
    int length = Math.max(w, h);
    if ((double) length / side >= views.tileAspect()) {
      boolean tall = h > w;
      int minPanel = (int) Math.ceil(MIN_PANEL_SHARE * side);
      List<Box> panels = views.stripPanels()
          ? UniformBorders.panels(image, views.borderTolerance(), minPanel).stream()
              .limit(views.maxTiles())
              .toList()
          : List.of();
      // a panel longer than the strip is wide may hold several pictures with no gutter between
      // them: squares cover it too
      List<Box> singlePictures = panels.stream()
          .filter(p -> (tall ? p.getHeight() : p.getWidth()) <= side)
          .toList();
      squareTileStarts(
              length, side, spansOutside(singlePictures, tall, length, minPanel), views.maxTiles())
          .forEach(start -> {
            Box region = tall ? new Box(0, start, side, side) : new Box(start, 0, side, side);
            planned.add(tile(image, region));
          });
      for (Box panel : panels) {
        planned.add(tile(image, panel));
      }
    } else {
      planned.addAll(crops(image, content));
      List<Box> proposed = purpose == Purpose.UPLOAD ? regions.propose(image) : List.of();
      for (Box region : proposed) {
        if (RegionProposer.sameRegion(region, content)) {
          // the whole picture inside uniform borders: FULL and the border CROP already describe it
          continue;
        }
        BgrImage pixels =
            image.crop(region.getX(), region.getY(), region.getWidth(), region.getHeight());
        planned.add(new PlannedView(
            ViewKind.REGION,
            region,
            pixels,
            local.regionMaxKeypoints(),
            UniformBorders.contentBox(pixels, views.borderTolerance())));
      }
      if (purpose == Purpose.UPLOAD && views.rectifyTilted()) {
        planned.addAll(straightened(image));
      }
      if (purpose == Purpose.UPLOAD && local.denseMaxKeypoints() > 0) {
        planned.add(new PlannedView(
            ViewKind.REGION, whole, image, local.denseMaxKeypoints(), content, true));
      }
    }
    return planned;
  }

  private PlannedView tile(BgrImage image, Box region) {
    BgrImage pixels =
        image.crop(region.getX(), region.getY(), region.getWidth(), region.getHeight());
    return new PlannedView(
        ViewKind.TILE,
        region,
        pixels,
        local.tileMaxKeypoints(),
        UniformBorders.contentBox(pixels, views.borderTolerance()));
  }

  /** {@code content}: the image's content inside uniform borders. */
  private List<PlannedView> crops(BgrImage image, Box content) {
    int w = image.width();
    int h = image.height();
    List<PlannedView> crops = new ArrayList<>();
    if (views.centreCropShare() < 1.0) {
      int marginX = (int) (w * (1.0 - views.centreCropShare()) / HALF);
      int marginY = (int) (h * (1.0 - views.centreCropShare()) / HALF);
      if (marginX > 0 || marginY > 0) {
        crops.add(crop(image, new Box(marginX, marginY, w - 2 * marginX, h - 2 * marginY)));
      }
    }
    if (views.borderCrop()) {
      double contentShare = (double) content.getWidth() * content.getHeight() / ((double) w * h);
      if (contentShare <= 1.0 - MIN_BORDER_AREA_SHARE) {
        crops.add(crop(image, content));
      }
    }
    return crops;
  }

  /**
   * Global-only CROP views of the picture {@link TiltedPicture} finds in {@code image}, seen straight on (none where it
   * finds none): all of it; its content inside uniform borders where those cover at least {@value
   * #MIN_BORDER_AREA_SHARE} of it (a photo shown full screen on a black screen, a print's margins); and the first region
   * {@link RegionProposer} finds in it (a photo in an image viewer's window or in a web page). Their region is the
   * picture's bounding box in the upload.
   */
  private List<PlannedView> straightened(BgrImage image) {
    Optional<TiltedPicture.Quad> found;
    BgrImage straight;
    try {
      found = TiltedPicture.find(image);
      if (found.isEmpty()) {
        return List.of();
      }
      straight = TiltedPicture.rectified(image, found.get());
    } catch (CvException e) {
      // optional views: an upload OpenCV cannot straighten is still described by all the others
      LOG.warn(
          "no straightened view for a {}x{} image: {}",
          image.width(),
          image.height(),
          e.getMessage());
      return List.of();
    }
    TiltedPicture.Quad quad = found.get();
    Box bounds = quad.bounds(image.width(), image.height());
    Box all = new Box(0, 0, straight.width(), straight.height());
    List<PlannedView> straightened = new ArrayList<>();
    straightened.add(new PlannedView(ViewKind.CROP, bounds, straight, NO_KEYPOINTS, all));
    Box content = UniformBorders.contentBox(straight, views.borderTolerance());
    double contentShare = (double) content.getWidth()
        * content.getHeight()
        / ((double) straight.width() * straight.height());
    if (contentShare <= 1.0 - MIN_BORDER_AREA_SHARE) {
      straightened.add(crop(straight, content, bounds));
    }
    regions.propose(straight).stream()
        .filter(region -> !RegionProposer.sameRegion(region, content))
        .findFirst()
        .ifPresent(region -> straightened.add(crop(straight, region, bounds)));
    return straightened;
  }

  private static PlannedView crop(BgrImage image, Box region) {
    return crop(image, region, region);
  }

  /** A global-only CROP view of {@code source}'s {@code part}, covering {@code region} of the upload. */
  private static PlannedView crop(BgrImage source, Box part, Box region) {
    BgrImage pixels = source.crop(part.getX(), part.getY(), part.getWidth(), part.getHeight());
    return new PlannedView(
        ViewKind.CROP,
        region,
        pixels,
        NO_KEYPOINTS,
        new Box(0, 0, pixels.width(), pixels.height()));
  }

  /**
   * The spans {@code [from, to)} along the strip that no panel covers and that are long enough ({@code minSpan}) to hold
   * a picture: the whole strip when there are no panels. Gutters and captions between panels are shorter.
   */
  static List<int[]> spansOutside(List<Box> panels, boolean tall, int length, int minSpan) {
    List<int[]> covered = panels.stream()
        .map(p -> tall
            ? new int[] {p.getY(), p.getY() + p.getHeight()}
            : new int[] {p.getX(), p.getX() + p.getWidth()})
        .sorted(Comparator.comparingInt((int[] span) -> span[0]))
        .toList();
    List<int[]> outside = new ArrayList<>();
    int from = 0;
    for (int[] span : covered) {
      if (span[0] - from >= minSpan) {
        outside.add(new int[] {from, span[0]});
      }
      from = Math.max(from, span[1]);
    }
    if (length - from >= minSpan) {
      outside.add(new int[] {from, length});
    }
    return outside;
  }

  /**
   * Square tiles over each span: evenly spaced, at most half a side apart, the first flush with the span's start and
   * the last with its end (a span shorter than a side gets one tile centred on it, kept inside the strip); at most
   * {@code maxTiles} in all.
   */
  static List<Integer> squareTileStarts(int length, int side, List<int[]> spans, int maxTiles) {
    List<Integer> starts = new ArrayList<>();
    for (int[] span : spans) {
      int spanLength = span[1] - span[0];
      if (spanLength <= side) {
        starts.add(Math.clamp(span[0] - (side - spanLength) / HALF, 0, length - side));
      } else {
        tileStarts(spanLength, side, maxTiles).forEach(start -> starts.add(span[0] + start));
      }
    }
    return starts.stream().distinct().limit(maxTiles).toList();
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
