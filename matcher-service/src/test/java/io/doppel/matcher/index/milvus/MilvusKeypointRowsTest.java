package io.doppel.matcher.index.milvus;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.matcher.index.BinaryDescriptors;
import io.doppel.matcher.index.StoredKeypoints;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Assembling an image's keypoints from the rows Milvus returns (no server needed: rows as the SDK gives them). */
class MilvusKeypointRowsTest {

  @Test
  void aKeypointReturnedTwiceIsKeptOnceAndKeypointsComeInIndexOrder() {
    List<Map<String, Object>> rows = List.of(row(2), row(0), row(1), row(0), row(2));

    StoredKeypoints keypoints = MilvusVectorIndex.storedKeypoints(rows);

    assertThat(keypoints.size()).isEqualTo(3);
    assertThat(keypoints.xs()).containsExactly(0f, 1f, 2f);
    assertThat(keypoints.descriptors()[BinaryDescriptors.BYTES]).isEqualTo((byte) 1);
  }

  private static Map<String, Object> row(int index) {
    byte[] descriptor = new byte[BinaryDescriptors.BYTES];
    descriptor[0] = (byte) index;
    return Map.of(
        "kp_index",
        index,
        "x",
        (float) index,
        "y",
        (float) -index,
        "descriptor",
        ByteBuffer.wrap(descriptor));
  }
}
