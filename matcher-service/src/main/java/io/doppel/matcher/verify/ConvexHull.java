package io.doppel.matcher.verify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The convex hull of a set of points (Andrew's monotone chain, O(n log n)), counter-clockwise without collinear
 * vertices. Fewer than three points, or all on one line, make an empty hull of area 0 that contains nothing. Pure;
 * guarded by {@code ConvexHullTest}.
 */
public final class ConvexHull {

  private final double[] xs;
  private final double[] ys;

  private ConvexHull(double[] xs, double[] ys) {
    this.xs = xs;
    this.ys = ys;
    assert xs.length == ys.length && (xs.length == 0 || xs.length >= 3)
        : xs.length + " xs, " + ys.length + " ys";
  }

  /** The hull of the points (xs[i], ys[i]). */
  public static ConvexHull of(double[] xs, double[] ys) {
    assert xs.length == ys.length : xs.length + " xs, " + ys.length + " ys";
    Integer[] order = new Integer[xs.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(
        order, Comparator.<Integer>comparingDouble(i -> xs[i]).thenComparingDouble(i -> ys[i]));
    List<Integer> hull = new ArrayList<>();
    for (int pass = 0; pass < 2; pass++) {
      int start = hull.size();
      for (int k = 0; k < order.length; k++) {
        int p = order[pass == 0 ? k : order.length - 1 - k];
        while (hull.size() >= start + 2
            && cross(xs, ys, hull.get(hull.size() - 2), hull.getLast(), p) <= 0) {
          hull.removeLast();
        }
        hull.add(p);
      }
      hull.removeLast();
    }
    if (hull.size() < 3) {
      return new ConvexHull(new double[0], new double[0]);
    }
    double[] hx = new double[hull.size()];
    double[] hy = new double[hull.size()];
    for (int i = 0; i < hull.size(); i++) {
      hx[i] = xs[hull.get(i)];
      hy[i] = ys[hull.get(i)];
    }
    return new ConvexHull(hx, hy);
  }

  private static double cross(double[] xs, double[] ys, int o, int a, int b) {
    return (xs[a] - xs[o]) * (ys[b] - ys[o]) - (ys[a] - ys[o]) * (xs[b] - xs[o]);
  }

  public double area() {
    double twiceArea = 0;
    for (int i = 0; i < xs.length; i++) {
      int j = (i + 1) % xs.length;
      twiceArea += xs[i] * ys[j] - xs[j] * ys[i];
    }
    return Math.abs(twiceArea) / 2;
  }

  /** Whether (x, y) lies inside the hull or on its boundary. */
  public boolean contains(double x, double y) {
    if (xs.length < 3) {
      return false;
    }
    for (int i = 0; i < xs.length; i++) {
      int j = (i + 1) % xs.length;
      if ((xs[j] - xs[i]) * (y - ys[i]) - (ys[j] - ys[i]) * (x - xs[i]) < 0) {
        return false;
      }
    }
    return true;
  }

  /** How many of the points (xs[i], ys[i]) lie inside the hull or on its boundary. */
  public int countInside(float[] pointXs, float[] pointYs) {
    assert pointXs.length == pointYs.length : pointXs.length + " xs, " + pointYs.length + " ys";
    int inside = 0;
    for (int i = 0; i < pointXs.length; i++) {
      if (contains(pointXs[i], pointYs[i])) {
        inside++;
      }
    }
    return inside;
  }
}
