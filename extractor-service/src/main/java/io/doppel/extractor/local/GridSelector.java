package io.doppel.extractor.local;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.opencv.core.KeyPoint;

/**
 * Picks at most {@code max} keypoints spread over the image: each cell of a {@code cells × cells}
 * grid first gets an equal quota of its strongest keypoints, and quota left unused by flat cells
 * goes to the strongest remaining keypoints anywhere. Ties break on position, so the choice is
 * deterministic.
 */
public final class GridSelector {

  private static final Comparator<KeyPoint> STRONGEST_FIRST = Comparator.comparingDouble(
          (KeyPoint k) -> -k.response)
      .thenComparingDouble(k -> k.pt.y)
      .thenComparingDouble(k -> k.pt.x)
      .thenComparingDouble(k -> k.size);

  private GridSelector() {}

  public static List<KeyPoint> select(
      KeyPoint[] candidates, int width, int height, int cells, int max) {
    if (candidates.length <= max) {
      List<KeyPoint> all = new ArrayList<>(List.of(candidates));
      all.sort(STRONGEST_FIRST);
      return all;
    }
    List<List<KeyPoint>> buckets = new ArrayList<>(cells * cells);
    for (int i = 0; i < cells * cells; i++) {
      buckets.add(new ArrayList<>());
    }
    for (KeyPoint k : candidates) {
      int cx = Math.min(cells - 1, Math.max(0, (int) (k.pt.x * cells / width)));
      int cy = Math.min(cells - 1, Math.max(0, (int) (k.pt.y * cells / height)));
      buckets.get(cy * cells + cx).add(k);
    }
    int quota = Math.max(1, max / (cells * cells));
    Set<KeyPoint> chosen = new LinkedHashSet<>();
    List<KeyPoint> leftovers = new ArrayList<>();
    for (List<KeyPoint> bucket : buckets) {
      bucket.sort(STRONGEST_FIRST);
      for (int i = 0; i < bucket.size(); i++) {
        (i < quota ? chosen : leftovers).add(bucket.get(i));
      }
    }
    leftovers.sort(STRONGEST_FIRST);
    for (KeyPoint k : leftovers) {
      if (chosen.size() >= max) {
        break;
      }
      chosen.add(k);
    }
    List<KeyPoint> result = new ArrayList<>(chosen);
    result.sort(STRONGEST_FIRST);
    return result.size() > max ? result.subList(0, max) : result;
  }
}
