package io.doppel.matcher.index.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.index.VectorIndexContract;
import io.doppel.schemas.avro.Purpose;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The contract on the exact, in-memory reference index. */
class InMemoryVectorIndexTest extends VectorIndexContract {

  private final InMemoryVectorIndex index = new InMemoryVectorIndex();

  @Override
  protected VectorIndex index() {
    return index;
  }

  @Test
  void onlyTheLeadingVotingKeypointsOfAnImageAreSearchable() {
    InMemoryVectorIndex small = new InMemoryVectorIndex(2);
    StoredKeypoints keypoints = keypoints(4);
    small.upsert(new IndexedImage(
        new ImageRef("t", "img"),
        Purpose.UPLOAD,
        null,
        null,
        0,
        64,
        64,
        List.of(randomVector()),
        keypoints));
    var scope = new io.doppel.matcher.index.Scope(Set.of("t"), Set.of(), 0, null);

    assertThat(small.searchLocal(descriptorsOf(keypoints).subList(0, 2), 1, 0, 10, scope))
        .singleElement()
        .satisfies(votes -> assertThat(votes.votes()).isEqualTo(2));
    assertThat(small.searchLocal(descriptorsOf(keypoints).subList(2, 4), 1, 0, 10, scope))
        .as("the weaker keypoints are kept for verification only")
        .isEmpty();
    assertThat(small.keypoints(new ImageRef("t", "img")).size()).isEqualTo(4);
  }
}
