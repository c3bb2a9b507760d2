package io.doppel.matcher.index;

import io.doppel.topology.intake.Fields;
import java.util.List;
import java.util.Map;

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
