package io.doppel.matcher.index;

import io.doppel.topology.intake.Fields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What every {@link VectorIndex} adapter does alike, kept in one place so that the adapters cannot drift apart. */
public final class IndexSupport {

  /**
   * Global rows fetched per image wanted: an image has several global vectors (FULL and each TILE) and a search keeps
   * one hit per image, so k rows may hold fewer than k images.
   */
  public static final int GLOBAL_OVERFETCH = 4;

  /**
   * The most UTF-8 bytes of a tenant, image id, rights holder or reference set that every backend stores: Milvus'
   * VarChar columns; Lucene refuses terms over 32,766 bytes and its write-ahead log strings over 65,535. The same limit
   * as the intake checks ({@link Fields#MAX_NAME_BYTES}).
   */
  public static final int MAX_NAME_BYTES = Fields.MAX_NAME_BYTES;

  private IndexSupport() {}

  /**
   * Refuses, as bad input ({@link IllegalArgumentException}, never an outage), an image whose ids or names are longer
   * than {@link #MAX_NAME_BYTES}: checked before anything is written or logged, so that a write that cannot succeed
   * is neither retried forever nor left in a log whose replay it would fail. Guarded by {@code
   * VectorIndexContract.namesOverTheIndexLimitsAreRefusedAsBadInputBeforeAnyWrite}.
   */
  public static void requireStorable(IndexedImage image) {
    requireStorable(image.ref());
    requireName("rights holder", image.rightsHolder());
    requireName("reference set", image.referenceSet());
  }

  /** As {@link #requireStorable(IndexedImage)}, for the ids of an image (a delete, a lookup). */
  public static void requireStorable(ImageRef ref) {
    requireName("tenant", ref.tenant());
    requireName("image id", ref.imageId());
  }

  private static void requireName(String what, String value) {
    if (value != null && Fields.utf8Length(value) > MAX_NAME_BYTES) {
      throw new IllegalArgumentException(what + " " + Fields.shown(value) + " has "
          + Fields.utf8Length(value) + " UTF-8 bytes; the index stores at most " + MAX_NAME_BYTES);
    }
  }

  /** {@code <tenant length>:<tenant>/<image id>}: one string per image, unambiguous whatever characters the ids hold. */
  public static String imageKey(ImageRef ref) {
    return ref.tenant().length() + ":" + ref.tenant() + "/" + ref.imageId();
  }

  /** {@code vector} scaled to length 1, so that a dot product is a cosine; a zero or non-finite vector is refused. */
  public static float[] unitVector(float[] vector) {
    double squares = 0;
    for (float v : vector) {
      squares += (double) v * v;
    }
    if (!(squares > 0) || Double.isInfinite(squares)) {
      throw new IllegalArgumentException("a global vector must be finite and non-zero");
    }
    float inverseNorm = (float) (1 / Math.sqrt(squares));
    float[] unit = new float[vector.length];
    for (int i = 0; i < vector.length; i++) {
      unit[i] = vector[i] * inverseNorm;
    }
    return unit;
  }

  /**
   * Neighbours fetched beyond the {@code neighbours} a local search keeps, so that the rows tied at the farthest kept
   * distance are all seen and {@link #imagesOfNearest} can choose among them by image key. Without it the backend's own
   * order decides (Milvus': arbitrary; Lucene's: segment and document, which change with the order of writes and
   * merges), and the same upload gets other votes from one run to the next.
   */
  public static final int TIE_MARGIN = 4;

  /** A row a local search found: its Hamming distance and its image's key. */
  public record Neighbour(int distance, String imageKey) {}

  /**
   * The images of the {@code neighbours} nearest of {@code found} (rows within reach, up to {@code neighbours +}
   * {@link #TIE_MARGIN} of them, in any order), ties at equal distance going to the smaller image key. The result
   * depends only on the rows, not on their order, wherever {@code found} holds every row tied at the farthest distance
   * kept: always when the backend returned fewer rows than asked or its last is farther than that distance. Guarded by
   * {@code VectorIndexContract.tiesAtTheFarthestNeighbourGoToTheSmallerImageKeyWhateverTheOrderOfWrites}.
   */
  public static Set<String> imagesOfNearest(List<Neighbour> found, int neighbours) {
    List<Neighbour> sorted = new ArrayList<>(found);
    sorted.sort(Comparator.comparingInt(Neighbour::distance).thenComparing(Neighbour::imageKey));
    Set<String> images = new HashSet<>();
    for (int i = 0; i < Math.min(neighbours, sorted.size()); i++) {
      images.add(sorted.get(i).imageKey());
    }
    return images;
  }

  /** The {@code limit} images with most votes, by image key; ties go to the smaller key, so results are deterministic. */
  public static List<Map.Entry<String, Integer>> mostVoted(
      Map<String, Integer> votesByImageKey, int limit) {
    return votesByImageKey.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue()
            .reversed()
            .thenComparing(Map.Entry.comparingByKey()))
        .limit(limit)
        .toList();
  }

  public static void requirePositive(int value, String name) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
  }
}
