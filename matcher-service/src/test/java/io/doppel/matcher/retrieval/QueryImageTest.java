package io.doppel.matcher.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.testing.TestFeatures;
import io.doppel.matcher.testing.TestMats;
import io.doppel.matcher.verify.QueryView;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.ViewKind;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.opencv.core.Mat;
import org.opencv.core.Rect;

class QueryImageTest {

  private static final int LOCAL = 100;
  private static final int DENSE = 300;

  @Test
  void theDenseViewSearchesMoreOfItsDescriptorsThanAnyOtherView() {
    Mat image = TestMats.texture(7, 640, 480);
    ImageFeatures features = TestFeatures.withRegion(
        TestFeatures.withRegion(
            TestFeatures.features("acme", "layout", Purpose.UPLOAD, image),
            image,
            new Rect(0, 0, 320, 480)),
        image,
        new Rect(0, 0, 640, 480));

    QueryImage query = QueryImage.of(features, LOCAL, DENSE);

    assertThat(query.views())
        .extracting(QueryView::kind)
        .containsExactly(ViewKind.FULL, ViewKind.MIRROR, ViewKind.REGION, ViewKind.REGION);
    assertThat(query.views())
        .extracting(QueryView::isDense)
        .containsExactly(false, false, false, true);
    assertThat(query.views().getLast().keypoints().size())
        .as("the fixture's views have more keypoints than either limit")
        .isGreaterThan(DENSE);
    assertThat(query.strongestDescriptors())
        .extracting(java.util.List::size)
        .containsExactly(LOCAL, LOCAL, LOCAL, DENSE);
  }

  @Test
  void theDenseViewIsNotASubPictureButAProposedRegionIs() {
    Mat image = TestMats.texture(8, 640, 480);
    ImageFeatures plain = TestFeatures.features("acme", "photo", Purpose.UPLOAD, image);
    ImageFeatures dense = TestFeatures.withRegion(plain, image, new Rect(0, 0, 640, 480));
    ImageFeatures layout = TestFeatures.withRegion(dense, image, new Rect(0, 0, 320, 480));

    assertThat(QueryImage.of(plain, LOCAL, DENSE).hasSubPictures()).isFalse();
    assertThat(QueryImage.of(dense, LOCAL, DENSE).hasSubPictures())
        .as("so a confident FULL verification still ends the search for a plain upload")
        .isFalse();
    assertThat(QueryImage.of(layout, LOCAL, DENSE).hasSubPictures()).isTrue();
  }

  @Test
  void theDenseViewSpendsItsVotesOverTheWholeImageAndOtherViewsOnTheStrongestKeypoints() {
    // a high-contrast top-left quadrant (text, stickers) beside low-contrast photo content
    Mat image = TestMats.texture(9, 640, 480);
    Mat faint = new Mat();
    image.convertTo(faint, -1, 0.3, 90);
    new Mat(image, new Rect(0, 0, 320, 240)).copyTo(new Mat(faint, new Rect(0, 0, 320, 240)));
    ImageFeatures features = TestFeatures.withRegion(
        TestFeatures.features("acme", "post", Purpose.UPLOAD, faint),
        faint,
        new Rect(0, 0, 640, 480));
    int searched = 64;

    QueryImage query = QueryImage.of(features, searched, searched);

    int full = 0;
    int dense = query.denseView();
    assertThat(cellsCovered(query, full)).isLessThanOrEqualTo(6);
    assertThat(cellsCovered(query, dense))
        .as("every one of the 16 cells that has keypoints")
        .isEqualTo(cellsWithKeypoints(query.views().get(dense)));
    assertThat(cellsWithKeypoints(query.views().get(dense))).isGreaterThanOrEqualTo(14);
  }

  /** Grid cells (of QueryImage.SPREAD_CELLS per side) holding a keypoint whose descriptor the view searches. */
  private static int cellsCovered(QueryImage query, int view) {
    QueryView queryView = query.views().get(view);
    StoredKeypoints keypoints = queryView.keypoints();
    int bytes = keypoints.descriptorBytes();
    Set<Integer> cells = new HashSet<>();
    for (byte[] searched : query.strongestDescriptors().get(view)) {
      for (int k = 0; k < keypoints.size(); k++) {
        if (Arrays.equals(
            keypoints.descriptors(), k * bytes, (k + 1) * bytes, searched, 0, bytes)) {
          cells.add(cellOf(queryView, k));
        }
      }
    }
    return cells.size();
  }

  private static int cellsWithKeypoints(QueryView view) {
    Set<Integer> cells = new HashSet<>();
    for (int k = 0; k < view.keypoints().size(); k++) {
      cells.add(cellOf(view, k));
    }
    return cells.size();
  }

  private static int cellOf(QueryView view, int keypoint) {
    int n = QueryImage.SPREAD_CELLS;
    int cx = Math.min(n - 1, (int) (view.keypoints().xs()[keypoint] * n / view.width()));
    int cy = Math.min(n - 1, (int) (view.keypoints().ys()[keypoint] * n / view.height()));
    return cy * n + cx;
  }
}
