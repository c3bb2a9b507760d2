package io.doppel.matcher.index;

/**
 * Keypoints of one image in pixel coordinates, with their binary descriptors row-major
 * ({@code descriptorBytes} per keypoint).
 */
public record StoredKeypoints(float[] xs, float[] ys, byte[] descriptors, int descriptorBytes) {

  public static final StoredKeypoints EMPTY =
      new StoredKeypoints(new float[0], new float[0], new byte[0], 32);

  public StoredKeypoints {
    if (xs.length != ys.length || descriptors.length != xs.length * descriptorBytes) {
      throw new IllegalArgumentException(
          "keypoint arrays disagree: " + xs.length + " xs, " + ys.length + " ys, "
              + descriptors.length + " descriptor bytes of " + descriptorBytes + " each");
    }
  }

  public int size() {
    return xs.length;
  }
}
