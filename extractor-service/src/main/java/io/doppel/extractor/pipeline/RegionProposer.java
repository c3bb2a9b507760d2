package io.doppel.extractor.pipeline;

import io.doppel.image.decode.BgrImage;
import io.doppel.schemas.avro.Box;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Finds the pictures inside a picture: the post in a feed screenshot, a meme's photo under its caption band, the tiles
 * of a collage, an inset over another photo. Each becomes a REGION view, so that a copy filling a fifth of an upload is
 * described by its own global descriptor and keypoints rather than drowned in the layout around it.
 *
 * <p>It works on a copy whose longer side is at most {@value #WORKING_SIDE} pixels:
 *
 * <ol>
 *   <li><b>Cuts</b> (XY-cut): a box is cut along its separator rows, else along its separator columns, and each piece is
 *       cut again, {@value #MAX_DEPTH} levels deep. A separator is a uniform line (a gutter, the gap between caption
 *       lines, a UI row's padding) or a straight edge across the box (two photos meeting with no gutter). Consecutive
 *       pieces split only by edges are also kept joined, since an edge may be a horizon inside one photo.
 *   <li><b>Frames</b>: rectangles outlined by straight edges on all four sides, the image's own border counting as an
 *       edge (an inset over a photo, in a corner or anywhere).
 *   <li><b>Blobs</b>: the bounding boxes of connected areas of fine detail on a smooth surround (a photo tilted on a
 *       gradient or a blurred backdrop, a screen photographed at an angle, a sticker-framed print), where no straight
 *       line parts the picture from what lies around it.
 *   <li><b>Filter</b>: a candidate is trimmed to its content inside uniform borders and kept if it is large enough, not
 *       a sliver, and photo-like: no single tone covers most of it and its other tones are spread, unlike text or UI
 *       drawn on a flat fill.
 *   <li><b>Rank</b>: candidates covering almost the whole image (FULL covers them) are dropped; single pictures (pieces
 *       not cut further, frames) come before composites (pieces that were, or boxes holding another region), each largest
 *       first; of two covering nearly the same pixels the first is kept; at most {@code maxRegions}.
 * </ol>
 *
 * Pure and deterministic. Cost: O(pixels) for the working copy and for each level of cuts, plus O(s²) pairs of edge
 * segments s for the frames (s is capped). Guarded by {@code RegionProposerTest}, which locates a feed post, a grid
 * tile, an inset and a meme's photo within a few pixels.
 */
public final class RegionProposer {

  /** Longer side of the working copy: enough to see a gutter two pixels wide in a 1,000-pixel upload. */
  static final int WORKING_SIDE = 320;

  static final int MAX_DEPTH = 4;
  /** A region covers at least this share of the image... */
  static final double MIN_AREA_SHARE = 0.03;
  /** ...and at most this share: beyond it, FULL already describes the same pixels. */
  static final double MAX_AREA_SHARE = 0.9;
  /** Shortest side of a region in image pixels: ORB and the descriptor need that much to see anything. */
  static final int MIN_SIDE_PIXELS = 48;

  static final double MAX_ASPECT = 5.0;
  /** Kinds of candidate, the fifth element of a working box: one picture, several, or a detailed area. */
  static final int SINGLE = 0;

  static final int COMPOSITE = 1;
  static final int BLOB = 2;
  /** Two candidates whose intersection covers this share of the larger one are the same picture. */
  static final double SAME_REGION_OVERLAP = 0.85;
  /** A line is uniform when this share of its pixels lie within the tolerance of its median colour. */
  static final double UNIFORM_LINE_SHARE = 0.95;
  /** Channel step between the lines on either side of a line that makes an edge pixel of a cut. */
  static final int EDGE_STEP = 40;
  /**
   * Channel step that makes a boundary pixel: of a frame's side, or of the line parting a region from what lies around
   * it. Lower than a cut's step because a boundary pixel must also be smooth on one side, which texture is not: a pale
   * sky against a white page differs by 30–40 (RegionProposerTest#aBoundaryOfAFaintStepIsAnEdgeSegmentOfAFrame).
   */
  static final int BOUNDARY_STEP = 30;
  /** A line is a straight edge across a box when this share of its pixels are edge pixels... */
  static final double EDGE_LINE_SHARE = 0.5;
  /** ...and the lines three pixels away are not (texture, such as stripes, is edges everywhere). */
  static final double EDGE_NEIGHBOUR_SHARE = 0.3;
  /** Edge segments shorter than this share of the image's side do not outline a frame. */
  static final double MIN_SEGMENT_SHARE = 0.12;
  /** Gap (working pixels) an edge segment may have and stay one segment, and the slack when pairing corners. */
  static final int SEGMENT_SLACK = 3;
  /** A frame's side must be edge pixels along this share of its length. */
  static final double FRAME_SIDE_SHARE = 0.8;

  static final int MAX_SEGMENTS = 160;
  /** Gaps in an edge segment, as a share of the side, bridged where two similar photos meet... */
  static final double SEGMENT_GAP_SHARE = 0.06;
  /** ...as long as edge pixels fill this share of the segment. */
  static final double SEGMENT_FILL = 0.6;
  /** A side not at the image's edge nor on a uniform line must be a straight edge along this share of it. */
  static final double MIN_SIDE_SEPARATION = 0.6;
  /** Tone change across a pixel (horizontal plus vertical) that makes it detail... */
  static final int DETAIL_STEP = 24;
  /** ...closed over gaps this wide (working pixels)... */
  static final int CLOSING = 2;
  /** ...and kept as a picture where it fills this share of its bounding box. */
  static final double MIN_BLOB_FILL = 0.5;
  /** Width (working pixels) of the band around a blob that must be smooth, and the detail it may hold (stickers). */
  static final int SURROUND = 3;

  static final double MAX_SURROUND_DETAIL = 0.25;
  /** Luminance bins of the photo-likeness test, and the share the most common may take at most. */
  static final int TONE_BINS = 32;

  static final double MAX_DOMINANT_TONE_SHARE = 0.7;
  /** Tones (other than the dominant one) needed to cover 85 % of the rest: a photo needs at least this many. */
  static final int MIN_TONE_SPREAD = 5;

  static final double TONE_COVERAGE = 0.85;

  private final int maxRegions;
  private final int tolerance;

  /**
   * @param maxRegions most regions proposed per image
   * @param tolerance largest channel difference from a line's median colour that still counts as uniform
   */
  public RegionProposer(int maxRegions, int tolerance) {
    if (maxRegions < 0) {
      throw new IllegalArgumentException("maxRegions must be >= 0, got " + maxRegions);
    }
    this.maxRegions = maxRegions;
    this.tolerance = tolerance;
  }

  /** The photo-like regions of {@code image}, in image pixels, largest first. */
  public List<Box> propose(BgrImage image) {
    if (maxRegions == 0) {
      return List.of();
    }
    Working small = Working.of(image);
    List<int[]> candidates = new ArrayList<>();
    cut(small, new int[] {0, 0, small.width, small.height}, 0, candidates);
    candidates.addAll(frames(small));
    candidates.addAll(detailBlobs(small));
    List<Ranked> regions = new ArrayList<>();
    double imageArea = (double) image.width() * image.height();
    for (int[] candidate : candidates) {
      int[] content = small.trim(candidate, tolerance);
      if (content == null || !small.photoLike(content)) {
        continue;
      }
      Box box = refine(
          small.toImage(content, image.width(), image.height()), image, small.scaleTo(image));
      boolean blob = candidate[4] == BLOB;
      boolean parted = !blob && separated(box, image);
      if (!blob && !parted) {
        // the trim took a flat stretch of the photo itself (a wall, a sky) for a border; the
        // untrimmed box may be the picture. Guarded by
        // RegionProposerTest#aPostInsideAPhoneFrameComesBeforeTheScreenAroundIt
        box = refine(
            small.toImage(candidate, image.width(), image.height()), image, small.scaleTo(image));
        parted = separated(box, image);
      }
      double share = (double) box.getWidth() * box.getHeight() / imageArea;
      double aspect = (double) Math.max(box.getWidth(), box.getHeight())
          / Math.min(box.getWidth(), box.getHeight());
      if (share >= MIN_AREA_SHARE
          && share <= MAX_AREA_SHARE
          && aspect <= MAX_ASPECT
          && Math.min(box.getWidth(), box.getHeight()) >= MIN_SIDE_PIXELS
          && (blob ? small.smoothAround(content) : parted)) {
        regions.add(new Ranked(box, candidate[4] == COMPOSITE));
      }
    }
    return distinctBestFirst(regions);
  }

  /** A region, and whether it was cut into further pieces (it holds several pictures). */
  private record Ranked(Box box, boolean composite) {}

  /**
   * Whether every side of {@code box} parts it from what lies outside: the image's edge, a uniform line just outside (a
   * gutter, a band, a border), or a straight edge along at least {@value #MIN_SIDE_SEPARATION} of the side. A box cut
   * out of one photo at a chance edge fails on some side.
   */
  private boolean separated(Box box, BgrImage image) {
    int top = box.getY();
    int bottom = box.getY() + box.getHeight();
    int left = box.getX();
    int right = box.getX() + box.getWidth();
    FullLines rows = new FullLines(image, true, left, right, tolerance);
    FullLines columns = new FullLines(image, false, top, bottom, tolerance);
    return rows.separates(top, -1)
        && rows.separates(bottom, +1)
        && columns.separates(left, -1)
        && columns.separates(right, +1);
  }

  /**
   * {@code box} with each side moved, within two working pixels, to where the picture really starts in the full image:
   * past the uniform lines of a gutter or band the working copy blended into the picture, else onto the strongest
   * straight edge. The working copy locates a picture to a few pixels; this puts its sides on the right line.
   */
  private Box refine(Box box, BgrImage image, double pixelsPerWorkingPixel) {
    int reach = (int) Math.ceil(2 * pixelsPerWorkingPixel);
    int top = box.getY();
    int bottom = box.getY() + box.getHeight();
    int left = box.getX();
    int right = box.getX() + box.getWidth();
    FullLines rows = new FullLines(image, true, left, right, tolerance);
    top = rows.side(top, reach, +1);
    bottom = rows.side(bottom, reach, -1);
    FullLines columns = new FullLines(image, false, top, bottom, tolerance);
    left = columns.side(left, reach, +1);
    right = columns.side(right, reach, -1);
    return right - left < 2 || bottom - top < 2
        ? box
        : new Box(left, top, right - left, bottom - top);
  }

  /** Lines of the full image across [from, to): rows ({@code alongRows}) or columns. */
  private static final class FullLines {
    private final BgrImage image;
    private final boolean alongRows;
    private final int from;
    private final int to;
    private final int tolerance;
    private final int count;

    FullLines(BgrImage image, boolean alongRows, int from, int to, int tolerance) {
      this.image = image;
      this.alongRows = alongRows;
      this.from = from;
      this.to = to;
      this.tolerance = tolerance;
      this.count = alongRows ? image.height() : image.width();
    }

    /**
     * The boundary near {@code at} (a box coordinate; {@code inward} +1 for a top or left side, -1 for a bottom or right
     * one): past the uniform lines on the outer side, else at the strongest edge within {@code reach}.
     */
    int side(int at, int reach, int inward) {
      int outerStart = Math.clamp(at - inward * reach, 0, count);
      int innerEnd = Math.clamp(at + inward * reach, 0, count);
      int lastUniform = Integer.MIN_VALUE;
      for (int boundary = outerStart; boundary != innerEnd; boundary += inward) {
        int line = inward > 0 ? boundary : boundary - 1;
        if (line >= 0 && line < count && uniform(line)) {
          lastUniform = boundary;
        }
      }
      if (lastUniform != Integer.MIN_VALUE) {
        return lastUniform + inward;
      }
      int best = at;
      double bestStrength = 0.5;
      for (int boundary = Math.min(outerStart, innerEnd);
          boundary <= Math.max(outerStart, innerEnd);
          boundary++) {
        double strength = edgeShare(boundary);
        if (strength > bestStrength) {
          best = boundary;
          bestStrength = strength;
        }
      }
      return best;
    }

    /**
     * Whether the boundary {@code at} parts what is inside from the line just outside it ({@code outward} -1 above or
     * left, +1 below or right): the image's edge, a uniform outside line, or an edge along most of the side.
     */
    boolean separates(int at, int outward) {
      int outside = outward < 0 ? at - 1 : at;
      if (outside < 0 || outside >= count) {
        return true;
      }
      if (uniformShare(outside) >= UNIFORM_LINE_SHARE) {
        return true;
      }
      double edge = Math.max(edgeShare(at), Math.max(edgeShare(at - 1), edgeShare(at + 1)));
      return edge >= MIN_SIDE_SEPARATION;
    }

    private int offset(int line, int position) {
      return (alongRows ? line * image.width() + position : position * image.width() + line)
          * BgrImage.CHANNELS;
    }

    private boolean uniform(int line) {
      return uniformShare(line) >= UNIFORM_LINE_SHARE;
    }

    /** Share of the line's pixels within the tolerance of its median colour. */
    private double uniformShare(int line) {
      int length = to - from;
      if (length <= 0) {
        return 0;
      }
      byte[] bgr = image.bgr();
      int[] median = new int[BgrImage.CHANNELS];
      for (int c = 0; c < BgrImage.CHANNELS; c++) {
        int[] histogram = new int[256];
        for (int p = from; p < to; p++) {
          histogram[bgr[offset(line, p) + c] & 0xFF]++;
        }
        int seen = 0;
        int value = 0;
        while (seen + histogram[value] <= length / 2) {
          seen += histogram[value++];
        }
        median[c] = value;
      }
      int near = 0;
      for (int p = from; p < to; p++) {
        int o = offset(line, p);
        if (Math.abs((bgr[o] & 0xFF) - median[0]) <= tolerance
            && Math.abs((bgr[o + 1] & 0xFF) - median[1]) <= tolerance
            && Math.abs((bgr[o + 2] & 0xFF) - median[2]) <= tolerance) {
          near++;
        }
      }
      return (double) near / length;
    }

    /**
     * Share of positions where the lines either side of the boundary differ by an edge step while at least one side is
     * smooth there (texture, such as noise, differs everywhere and parts nothing).
     */
    private double edgeShare(int boundary) {
      if (boundary - 1 < 0 || boundary >= count || to <= from) {
        return 0;
      }
      int edges = 0;
      for (int p = from; p < to; p++) {
        if (differ(boundary - 1, boundary, p)) {
          boolean smoothBefore = boundary - 3 < 0 || !differ(boundary - 3, boundary - 1, p);
          boolean smoothAfter = boundary + 2 >= count || !differ(boundary, boundary + 2, p);
          if (smoothBefore || smoothAfter) {
            edges++;
          }
        }
      }
      return (double) edges / (to - from);
    }

    private boolean differ(int lineA, int lineB, int position) {
      byte[] bgr = image.bgr();
      int a = offset(lineA, position);
      int b = offset(lineB, position);
      for (int c = 0; c < BgrImage.CHANNELS; c++) {
        if (Math.abs((bgr[a + c] & 0xFF) - (bgr[b + c] & 0xFF)) > BOUNDARY_STEP) {
          return true;
        }
      }
      return false;
    }
  }

  /**
   * Single pictures before composites, each largest first; of two nearly the same, the first; at most maxRegions. A
   * region is also composite when it holds another region of a fifth of its area or more: a frame around a whole grid,
   * or a phone's screen around the post on it (the rest is UI chrome that the photo-likeness filter dropped). Guarded by
   * {@code RegionProposerTest#aPostInsideAPhoneFrameComesBeforeTheScreenAroundIt}.
   */
  private List<Box> distinctBestFirst(List<Ranked> regions) {
    List<Ranked> ranked = new ArrayList<>();
    for (Ranked region : regions) {
      ranked.add(
          region.composite() || holdsAnother(region.box(), regions)
              ? new Ranked(region.box(), true)
              : region);
    }
    ranked.sort(Comparator.comparing(Ranked::composite)
        .thenComparingLong((Ranked r) -> -(long) r.box().getWidth() * r.box().getHeight())
        .thenComparingInt(r -> r.box().getY())
        .thenComparingInt(r -> r.box().getX()));
    List<Box> kept = new ArrayList<>();
    for (Ranked region : ranked) {
      if (kept.stream().noneMatch(other -> sameRegion(region.box(), other))) {
        kept.add(region.box());
      }
      if (kept.size() == maxRegions) {
        break;
      }
    }
    return kept;
  }

  /** Whether {@code outer} contains another of {@code regions} (not nearly the same) of a fifth of its area or more. */
  private static boolean holdsAnother(Box outer, List<Ranked> regions) {
    long outerArea = area(outer);
    return regions.stream()
        .map(Ranked::box)
        .anyMatch(b -> !sameRegion(b, outer)
            && intersection(b, outer) >= 0.9 * area(b)
            && area(b) >= 0.2 * outerArea);
  }

  private static long area(Box box) {
    return (long) box.getWidth() * box.getHeight();
  }

  private static long intersection(Box a, Box b) {
    long ix = Math.max(
        0,
        Math.min(a.getX() + a.getWidth(), b.getX() + b.getWidth()) - Math.max(a.getX(), b.getX()));
    long iy = Math.max(
        0,
        Math.min(a.getY() + a.getHeight(), b.getY() + b.getHeight())
            - Math.max(a.getY(), b.getY()));
    return ix * iy;
  }

  static boolean sameRegion(Box a, Box b) {
    return intersection(a, b) >= SAME_REGION_OVERLAP * Math.max(area(a), area(b));
  }

  // ---- cuts

  /**
   * Adds the pieces of {@code box} (x0, y0, x1, y1) below the top level to {@code out}, recursively, each as {x0, y0,
   * x1, y1, composite}: composite is 1 for a piece that was cut again (it holds several pictures), else 0.
   */
  private void cut(Working image, int[] box, int depth, List<int[]> out) {
    Pieces pieces =
        depth == MAX_DEPTH ? new Pieces(List.of(), List.of()) : pieces(image, box, true);
    if (pieces.pieces().isEmpty() && depth < MAX_DEPTH) {
      pieces = pieces(image, box, false);
    }
    boolean composite = !pieces.pieces().isEmpty();
    if (depth > 0) {
      out.add(new int[] {box[0], box[1], box[2], box[3], composite ? COMPOSITE : SINGLE});
    }
    for (int[] joined : pieces.joined()) {
      out.add(new int[] {joined[0], joined[1], joined[2], joined[3], COMPOSITE});
    }
    for (int[] piece : pieces.pieces()) {
      cut(image, piece, depth + 1, out);
    }
  }

  /**
   * The pieces of {@code box} between its separator lines: rows when {@code alongRows}, else columns. Runs of pieces
   * split by edges only are added joined as well (the edge may lie inside one picture). One piece, or none, means no cut.
   */
  private Pieces pieces(Working image, int[] box, boolean alongRows) {
    int from = alongRows ? box[1] : box[0];
    int to = alongRows ? box[3] : box[2];
    int minPiece = Math.max(4, (int) Math.round(0.04 * (alongRows ? image.height : image.width)));
    List<int[]> spans = new ArrayList<>();
    List<Boolean> joinedByEdge = new ArrayList<>();
    int start = -1;
    boolean onlyEdgesSinceLastSpan = true;
    for (int line = from; line <= to; line++) {
      Separator separator =
          line == to ? Separator.UNIFORM : image.separator(box, line, alongRows, tolerance);
      if (separator == Separator.NONE) {
        if (start < 0) {
          start = line;
        }
        continue;
      }
      if (start >= 0) {
        if (line - start >= minPiece) {
          joinedByEdge.add(!spans.isEmpty() && onlyEdgesSinceLastSpan);
          spans.add(new int[] {start, line});
          onlyEdgesSinceLastSpan = true;
        } else {
          // a sliver between two pieces: they are not one picture
          onlyEdgesSinceLastSpan = false;
        }
        start = -1;
      }
      if (separator == Separator.UNIFORM) {
        onlyEdgesSinceLastSpan = false;
      }
    }
    if (spans.size() <= 1) {
      return new Pieces(List.of(), List.of());
    }
    List<int[]> pieces = new ArrayList<>();
    List<int[]> joined = new ArrayList<>();
    for (int[] span : spans) {
      pieces.add(
          alongRows
              ? new int[] {box[0], span[0], box[2], span[1]}
              : new int[] {span[0], box[1], span[1], box[3]});
    }
    for (int first = 0; first < spans.size(); first++) {
      int last = first;
      while (last + 1 < spans.size() && joinedByEdge.get(last + 1)) {
        last++;
      }
      if (last > first) {
        int s = spans.get(first)[0];
        int e = spans.get(last)[1];
        joined.add(alongRows ? new int[] {box[0], s, box[2], e} : new int[] {s, box[1], e, box[3]});
      }
      first = last;
    }
    return new Pieces(pieces, joined);
  }

  /** A box's pieces, and the runs of consecutive pieces split by edges only, joined. */
  private record Pieces(List<int[]> pieces, List<int[]> joined) {}

  enum Separator {
    NONE,
    UNIFORM,
    EDGE
  }

  // ---- frames

  /** Rectangles outlined by straight edges on all four sides (the image border counts as one). */
  private static List<int[]> frames(Working image) {
    List<int[]> horizontal = image.segments(true);
    List<int[]> vertical = image.segments(false);
    int minSide = (int) Math.round(MIN_SEGMENT_SHARE * Math.min(image.width, image.height));
    List<int[]> frames = new ArrayList<>();
    for (int[] top : horizontal) {
      for (int[] bottom : horizontal) {
        // a segment is {line, from, to}; the frame lies where top and bottom overlap, between two
        // sides found there
        int ox0 = Math.max(top[1], bottom[1]);
        int ox1 = Math.min(top[2], bottom[2]);
        if (bottom[0] - top[0] < minSide || ox1 - ox0 < minSide) {
          continue;
        }
        int x0 = Integer.MAX_VALUE;
        int x1 = Integer.MIN_VALUE;
        for (int[] side : vertical) {
          if (side[0] >= ox0 - SEGMENT_SLACK
              && side[0] <= ox1 + SEGMENT_SLACK
              && covered(vertical, side[0], top[0], bottom[0])) {
            x0 = Math.min(x0, side[0]);
            x1 = Math.max(x1, side[0]);
          }
        }
        if (x1 - x0 >= minSide && ox1 - ox0 >= FRAME_SIDE_SHARE * (x1 - x0)) {
          frames.add(
              new int[] {Math.max(0, x0), top[0], Math.min(image.width, x1), bottom[0], SINGLE});
        }
      }
    }
    return frames;
  }

  /**
   * Bounding boxes {x0, y0, x1, y1, BLOB} of the connected areas of detail: pixels where the tone changes by more than
   * {@value #DETAIL_STEP} across the pixel (horizontally plus vertically), closed over gaps of {@value #CLOSING}
   * pixels, that fill at least {@value #MIN_BLOB_FILL} of their box. A photo is detailed almost everywhere; a gradient
   * or a blurred backdrop nowhere; text is detailed only along thin strokes, so its boxes are sparse or small.
   */
  private static List<int[]> detailBlobs(Working image) {
    int w = image.width;
    int h = image.height;
    boolean[] detail = new boolean[w * h];
    for (int y = 1; y < h - 1; y++) {
      for (int x = 1; x < w - 1; x++) {
        int i = y * w + x;
        int change = Math.abs(image.tone[i + 1] - image.tone[i - 1])
            + Math.abs(image.tone[i + w] - image.tone[i - w]);
        detail[i] = change > DETAIL_STEP;
      }
    }
    boolean[] closed = erode(dilate(detail, w, h, CLOSING), w, h, CLOSING);
    int[] label = new int[w * h];
    List<int[]> blobs = new ArrayList<>();
    int[] queue = new int[w * h];
    int next = 0;
    for (int start = 0; start < w * h; start++) {
      if (!closed[start] || label[start] != 0) {
        continue;
      }
      next++;
      int head = 0;
      int tail = 0;
      queue[tail++] = start;
      label[start] = next;
      int x0 = w;
      int y0 = h;
      int x1 = 0;
      int y1 = 0;
      int filled = 0;
      while (head < tail) {
        int i = queue[head++];
        int x = i % w;
        int y = i / w;
        x0 = Math.min(x0, x);
        y0 = Math.min(y0, y);
        x1 = Math.max(x1, x + 1);
        y1 = Math.max(y1, y + 1);
        filled++;
        int[] neighbours = {
          x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1, y < h - 1 ? i + w : -1
        };
        for (int n : neighbours) {
          if (n >= 0 && closed[n] && label[n] == 0) {
            label[n] = next;
            queue[tail++] = n;
          }
        }
      }
      long box = (long) (x1 - x0) * (y1 - y0);
      if (box >= MIN_AREA_SHARE * w * h && filled >= MIN_BLOB_FILL * box) {
        blobs.add(new int[] {x0, y0, x1, y1, BLOB});
      }
    }
    return blobs;
  }

  private static boolean[] dilate(boolean[] mask, int w, int h, int radius) {
    return morph(mask, w, h, radius, true);
  }

  private static boolean[] erode(boolean[] mask, int w, int h, int radius) {
    return morph(mask, w, h, radius, false);
  }

  /** A square structuring element of side 2·radius+1, separably: rows then columns. */
  private static boolean[] morph(boolean[] mask, int w, int h, int radius, boolean dilate) {
    boolean[] rows = new boolean[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        boolean result = !dilate;
        for (int d = -radius; d <= radius; d++) {
          int xx = Math.clamp(x + d, 0, w - 1);
          result = dilate ? result || mask[y * w + xx] : result && mask[y * w + xx];
        }
        rows[y * w + x] = result;
      }
    }
    boolean[] out = new boolean[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        boolean result = !dilate;
        for (int d = -radius; d <= radius; d++) {
          int yy = Math.clamp(y + d, 0, h - 1);
          result = dilate ? result || rows[yy * w + x] : result && rows[yy * w + x];
        }
        out[y * w + x] = result;
      }
    }
    return out;
  }

  /** Whether the vertical segments near column {@code x} together cover {@value #FRAME_SIDE_SHARE} of rows [y0, y1). */
  private static boolean covered(List<int[]> vertical, int x, int y0, int y1) {
    boolean[] rows = new boolean[Math.max(0, y1 - y0)];
    for (int[] segment : vertical) {
      if (Math.abs(segment[0] - x) <= SEGMENT_SLACK) {
        for (int y = Math.max(y0, segment[1]); y < Math.min(y1, segment[2]); y++) {
          rows[y - y0] = true;
        }
      }
    }
    int covered = 0;
    for (boolean row : rows) {
      covered += row ? 1 : 0;
    }
    return covered >= FRAME_SIDE_SHARE * (y1 - y0);
  }

  /** The downscaled image, as 8-bit channels in row-major order, and the measurements the steps above take on it. */
  static final class Working {
    final int width;
    final int height;
    final int[] blue;
    final int[] green;
    final int[] red;
    final int[] tone;

    private Working(int width, int height) {
      this.width = width;
      this.height = height;
      this.blue = new int[width * height];
      this.green = new int[width * height];
      this.red = new int[width * height];
      this.tone = new int[width * height];
    }

    /** A box-filtered copy whose longer side is at most {@link #WORKING_SIDE}. */
    static Working of(BgrImage image) {
      double scale = Math.min(1.0, (double) WORKING_SIDE / Math.max(image.width(), image.height()));
      int w = Math.max(1, (int) Math.round(image.width() * scale));
      int h = Math.max(1, (int) Math.round(image.height() * scale));
      Working small = new Working(w, h);
      byte[] bgr = image.bgr();
      for (int y = 0; y < h; y++) {
        int sy0 = (int) ((long) y * image.height() / h);
        int sy1 = Math.max(sy0 + 1, (int) ((long) (y + 1) * image.height() / h));
        for (int x = 0; x < w; x++) {
          int sx0 = (int) ((long) x * image.width() / w);
          int sx1 = Math.max(sx0 + 1, (int) ((long) (x + 1) * image.width() / w));
          long b = 0;
          long g = 0;
          long r = 0;
          for (int sy = sy0; sy < sy1; sy++) {
            int row = sy * image.width();
            for (int sx = sx0; sx < sx1; sx++) {
              int offset = (row + sx) * BgrImage.CHANNELS;
              b += bgr[offset] & 0xFF;
              g += bgr[offset + 1] & 0xFF;
              r += bgr[offset + 2] & 0xFF;
            }
          }
          int n = (sy1 - sy0) * (sx1 - sx0);
          int i = y * w + x;
          small.blue[i] = (int) (b / n);
          small.green[i] = (int) (g / n);
          small.red[i] = (int) (r / n);
          small.tone[i] = (299 * small.red[i] + 587 * small.green[i] + 114 * small.blue[i]) / 1000;
        }
      }
      return small;
    }

    private int index(int line, int position, boolean alongRows) {
      return alongRows ? line * width + position : position * width + line;
    }

    /** What line {@code line} of {@code box} is: a uniform line, a straight edge across the box, or neither. */
    Separator separator(int[] box, int line, boolean alongRows, int tolerance) {
      int from = alongRows ? box[0] : box[1];
      int to = alongRows ? box[2] : box[3];
      if (uniform(line, from, to, alongRows, tolerance)) {
        return Separator.UNIFORM;
      }
      int lineCount = alongRows ? height : width;
      double strength = edgeShare(line, from, to, alongRows, lineCount);
      if (strength >= EDGE_LINE_SHARE
          && edgeShare(line - 3, from, to, alongRows, lineCount) < EDGE_NEIGHBOUR_SHARE
          && edgeShare(line + 3, from, to, alongRows, lineCount) < EDGE_NEIGHBOUR_SHARE
          && strength >= edgeShare(line - 1, from, to, alongRows, lineCount)
          && strength > edgeShare(line + 1, from, to, alongRows, lineCount)) {
        return Separator.EDGE;
      }
      return Separator.NONE;
    }

    private boolean uniform(int line, int from, int to, boolean alongRows, int tolerance) {
      int length = to - from;
      if (length <= 0) {
        return false;
      }
      int[] median = new int[3];
      int[][] channels = {blue, green, red};
      for (int c = 0; c < 3; c++) {
        int[] histogram = new int[256];
        for (int p = from; p < to; p++) {
          histogram[channels[c][index(line, p, alongRows)]]++;
        }
        int seen = 0;
        int value = 0;
        while (seen + histogram[value] <= length / 2) {
          seen += histogram[value++];
        }
        median[c] = value;
      }
      int near = 0;
      for (int p = from; p < to; p++) {
        int i = index(line, p, alongRows);
        if (Math.abs(blue[i] - median[0]) <= tolerance
            && Math.abs(green[i] - median[1]) <= tolerance
            && Math.abs(red[i] - median[2]) <= tolerance) {
          near++;
        }
      }
      return near >= UNIFORM_LINE_SHARE * length;
    }

    /** Share of positions [from, to) where the lines either side of {@code line} differ by an edge step. */
    private double edgeShare(int line, int from, int to, boolean alongRows, int lineCount) {
      if (line - 1 < 0 || line + 1 >= lineCount) {
        return 0;
      }
      int edges = 0;
      for (int p = from; p < to; p++) {
        if (step(index(line - 1, p, alongRows), index(line + 1, p, alongRows))) {
          edges++;
        }
      }
      return (double) edges / (to - from);
    }

    /**
     * Whether the lines either side of {@code line} differ at {@code p} while at least one side is smooth there: a
     * boundary, not texture (noise, foliage), where every line differs from the next.
     */
    private boolean boundaryPixel(int line, int p, boolean alongRows, int lines) {
      if (!boundaryStep(index(line - 1, p, alongRows), index(line + 1, p, alongRows))) {
        return false;
      }
      boolean smoothBefore = line - 3 < 0
          || !boundaryStep(index(line - 3, p, alongRows), index(line - 1, p, alongRows));
      boolean smoothAfter = line + 3 >= lines
          || !boundaryStep(index(line + 1, p, alongRows), index(line + 3, p, alongRows));
      return smoothBefore || smoothAfter;
    }

    private boolean step(int a, int b) {
      return differ(a, b, EDGE_STEP);
    }

    private boolean boundaryStep(int a, int b) {
      return differ(a, b, BOUNDARY_STEP);
    }

    private boolean differ(int a, int b, int step) {
      return Math.abs(blue[a] - blue[b]) > step
          || Math.abs(green[a] - green[b]) > step
          || Math.abs(red[a] - red[b]) > step;
    }

    /**
     * Straight edge segments {line, from, to}: rows (horizontal, between the lines above and below) or columns,
     * at least {@link #MIN_SEGMENT_SHARE} of the side long, gaps up to {@link #SEGMENT_GAP_SHARE} of the side bridged
     * while edge pixels fill {@link #SEGMENT_FILL} of the segment; the image's
     * own edges (boundaries 0 and the line count) are segments of their full length. The longest {@link #MAX_SEGMENTS}
     * are kept.
     */
    List<int[]> segments(boolean alongRows) {
      int lines = alongRows ? height : width;
      int length = alongRows ? width : height;
      int minLength = (int) Math.round(MIN_SEGMENT_SHARE * length);
      List<int[]> segments = new ArrayList<>();
      segments.add(new int[] {0, 0, length});
      segments.add(new int[] {lines, 0, length});
      int maxGap = Math.max(SEGMENT_SLACK, (int) Math.round(SEGMENT_GAP_SHARE * length));
      for (int line = 1; line < lines - 1; line++) {
        int start = -1;
        int lastEdge = -1;
        int edges = 0;
        for (int p = 0; p <= length; p++) {
          boolean edge = p < length && boundaryPixel(line, p, alongRows, lines);
          boolean ends = p == length || (!edge && start >= 0 && p - lastEdge > maxGap);
          if (ends && start >= 0) {
            if (lastEdge + 1 - start >= minLength
                && edges >= SEGMENT_FILL * (lastEdge + 1 - start)) {
              segments.add(new int[] {line, start, lastEdge + 1});
            }
            start = -1;
            edges = 0;
          }
          if (edge) {
            if (start < 0) {
              start = p;
            }
            lastEdge = p;
            edges++;
          }
        }
      }
      segments.sort(Comparator.comparingInt((int[] s) -> s[1] - s[2])
          .thenComparingInt(s -> s[0])
          .thenComparingInt(s -> s[1]));
      return segments.size() > MAX_SEGMENTS
          ? new ArrayList<>(segments.subList(0, MAX_SEGMENTS))
          : segments;
    }

    /** {@code box} without its uniform border lines; null when nothing is left. */
    int[] trim(int[] box, int tolerance) {
      int x0 = box[0];
      int y0 = box[1];
      int x1 = box[2];
      int y1 = box[3];
      while (y0 < y1 && uniform(y0, x0, x1, true, tolerance)) {
        y0++;
      }
      while (y1 > y0 && uniform(y1 - 1, x0, x1, true, tolerance)) {
        y1--;
      }
      while (x0 < x1 && uniform(x0, y0, y1, false, tolerance)) {
        x0++;
      }
      while (x1 > x0 && uniform(x1 - 1, y0, y1, false, tolerance)) {
        x1--;
      }
      return x1 - x0 < 2 || y1 - y0 < 2 ? null : new int[] {x0, y0, x1, y1};
    }

    /**
     * Whether {@code box} looks like a photo: no tone covers more than {@link #MAX_DOMINANT_TONE_SHARE} of it, and the
     * other pixels need at least {@link #MIN_TONE_SPREAD} tones to cover {@link #TONE_COVERAGE} of them. Text and UI
     * drawn on a flat fill fail the first test or cover the rest with the ink's tone and a few anti-aliasing ones.
     */
    boolean photoLike(int[] box) {
      int[] histogram = new int[TONE_BINS];
      int count = 0;
      for (int y = box[1]; y < box[3]; y++) {
        for (int x = box[0]; x < box[2]; x++) {
          histogram[tone[y * width + x] * TONE_BINS / 256]++;
          count++;
        }
      }
      int dominant = 0;
      for (int bin = 1; bin < TONE_BINS; bin++) {
        if (histogram[bin] > histogram[dominant]) {
          dominant = bin;
        }
      }
      if (histogram[dominant] > MAX_DOMINANT_TONE_SHARE * count) {
        return false;
      }
      int rest = count - histogram[dominant];
      histogram[dominant] = 0;
      int[] sorted = histogram.clone();
      java.util.Arrays.sort(sorted);
      int covered = 0;
      int tones = 0;
      for (int bin = TONE_BINS - 1; bin >= 0 && covered < TONE_COVERAGE * rest; bin--) {
        covered += sorted[bin];
        tones++;
      }
      return tones >= MIN_TONE_SPREAD;
    }

    /**
     * Whether the band of {@value #SURROUND} pixels around {@code box} (inside the image) is mostly free of detail:
     * a detailed area on a smooth surround is a picture laid on a backdrop, not a part of one photo.
     */
    boolean smoothAround(int[] box) {
      int band = 0;
      int detailed = 0;
      for (int y = Math.max(1, box[1] - SURROUND);
          y < Math.min(height - 1, box[3] + SURROUND);
          y++) {
        for (int x = Math.max(1, box[0] - SURROUND);
            x < Math.min(width - 1, box[2] + SURROUND);
            x++) {
          if (x >= box[0] && x < box[2] && y >= box[1] && y < box[3]) {
            continue;
          }
          int i = y * width + x;
          band++;
          if (Math.abs(tone[i + 1] - tone[i - 1]) + Math.abs(tone[i + width] - tone[i - width])
              > DETAIL_STEP) {
            detailed++;
          }
        }
      }
      return band > 0 && detailed <= MAX_SURROUND_DETAIL * band;
    }

    /** Image pixels per working pixel. */
    double scaleTo(BgrImage image) {
      return (double) image.width() / width;
    }

    /** A working-copy box {x0, y0, x1, y1} in image pixels. */
    Box toImage(int[] box, int imageWidth, int imageHeight) {
      int x0 = (int) Math.floor((double) box[0] * imageWidth / width);
      int y0 = (int) Math.floor((double) box[1] * imageHeight / height);
      int x1 = Math.min(imageWidth, (int) Math.ceil((double) box[2] * imageWidth / width));
      int y1 = Math.min(imageHeight, (int) Math.ceil((double) box[3] * imageHeight / height));
      return new Box(x0, y0, x1 - x0, y1 - y0);
    }
  }
}
