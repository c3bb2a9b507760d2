package io.doppel.standalone.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.matcher.index.BinaryDescriptors;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.testing.SyntheticImages;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeypointSourceTest {

  @Test
  void aSampledDescriptorIsARealOneWithExactlyTheFlippedBitsChanged(@TempDir Path dir) {
    SyntheticImages.writePng(SyntheticImages.texture(7, 320, 240), dir.resolve("a.png"));
    KeypointSource unflipped = KeypointSource.sampledFrom(dir, 10, 60, 0, 1);
    KeypointSource flipped = KeypointSource.sampledFrom(dir, 10, 60, 12, 1);

    StoredKeypoints real = unflipped.next(200);
    StoredKeypoints sampled = flipped.next(200);

    // the same seed picks the same pool descriptors; only the flips differ
    for (int i = 0; i < sampled.size(); i++) {
      assertThat(hamming(real.descriptors(), sampled.descriptors(), i)).isEqualTo(12);
    }
    assertThat(flipped.description()).contains("real ORB descriptors of 1 photos");
  }

  @Test
  void randomDescriptorsAreAboutHalfTheBitsApart() {
    KeypointSource random = KeypointSource.random(3);
    StoredKeypoints a = random.next(100);
    StoredKeypoints b = random.next(100);
    double mean = 0;
    for (int i = 0; i < 100; i++) {
      mean += hamming(a.descriptors(), b.descriptors(), i) / 100.0;
    }
    assertThat(mean).isBetween(120.0, 136.0);
  }

  @Test
  void aFolderWithoutPhotosIsRefused(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("notes.txt"), "no photos here");
    assertThatThrownBy(() -> KeypointSource.sampledFrom(dir, 10, 60, 4, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no ORB keypoints");
    assertThatThrownBy(() -> KeypointSource.sampledFrom(dir.resolve("missing"), 10, 60, 4, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a folder");
  }

  private static int hamming(byte[] a, byte[] b, int index) {
    int distance = 0;
    for (int i = 0; i < BinaryDescriptors.BYTES; i++) {
      int at = index * BinaryDescriptors.BYTES + i;
      distance += Integer.bitCount((a[at] ^ b[at]) & 0xff);
    }
    return distance;
  }
}
