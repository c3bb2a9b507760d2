package io.doppel.extractor.local;

import io.doppel.schemas.avro.Keypoint;
import java.util.List;

/** Keypoints of one view and their binary descriptors, row-major, {@code descriptorBytes} each. */
public record LocalFeatures(List<Keypoint> keypoints, byte[] descriptors, int descriptorBytes) {

  public LocalFeatures {
    keypoints = List.copyOf(keypoints);
    if (descriptors.length != keypoints.size() * descriptorBytes) {
      throw new IllegalArgumentException(keypoints.size() + " keypoints need "
          + keypoints.size() * descriptorBytes + " descriptor bytes, got " + descriptors.length);
    }
  }

  public static LocalFeatures none(int descriptorBytes) {
    return new LocalFeatures(List.of(), new byte[0], descriptorBytes);
  }
}
