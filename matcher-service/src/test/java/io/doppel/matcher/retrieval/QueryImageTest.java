package io.doppel.matcher.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.matcher.testing.TestFeatures;
import io.doppel.matcher.testing.TestMats;
import io.doppel.matcher.verify.QueryView;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.ViewKind;
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
}
