package io.doppel.matcher.verify;

/** A point in normalised image coordinates: x and y in [0,1] of the image's width and height. */
public record RegionPoint(double x, double y) {

  /** Area of a simple polygon in normalised units (shoelace formula); 1 is the whole image. */
  public static double area(java.util.List<RegionPoint> polygon) {
    double twiceArea = 0;
    for (int i = 0; i < polygon.size(); i++) {
      RegionPoint a = polygon.get(i);
      RegionPoint b = polygon.get((i + 1) % polygon.size());
      twiceArea += a.x * b.y - b.x * a.y;
    }
    return Math.abs(twiceArea) / 2;
  }
}
