package io.doppel.matcher.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ConvexHullTest {

  @Test
  void theHullOfASquareWithPointsInsideIsTheSquare() {
    ConvexHull hull =
        ConvexHull.of(new double[] {0, 10, 10, 0, 5, 2, 10}, new double[] {0, 0, 10, 10, 5, 8, 5});

    assertThat(hull.area()).isCloseTo(100, within(1e-9));
    assertThat(hull.contains(5, 5)).isTrue();
    assertThat(hull.contains(10, 5)).as("on the boundary").isTrue();
    assertThat(hull.contains(10.01, 5)).isFalse();
    assertThat(hull.countInside(new float[] {1, 9, 11, -1}, new float[] {1, 9, 5, 5}))
        .isEqualTo(2);
  }

  @Test
  void fewerThanThreePointsOrAllOnOneLineContainNothing() {
    assertThat(ConvexHull.of(new double[] {0, 1}, new double[] {0, 1}).area()).isZero();
    ConvexHull line = ConvexHull.of(new double[] {0, 1, 2, 3}, new double[] {0, 1, 2, 3});
    assertThat(line.area()).isZero();
    assertThat(line.contains(1, 1)).isFalse();
  }

  @Test
  void aTriangleHoldsHalfItsBoundingBox() {
    ConvexHull triangle = ConvexHull.of(new double[] {0, 4, 0}, new double[] {0, 0, 4});

    assertThat(triangle.area()).isCloseTo(8, within(1e-9));
    assertThat(triangle.contains(1, 1)).isTrue();
    assertThat(triangle.contains(3, 3)).isFalse();
  }
}
