package io.doppel.matcher.index;

/** Packed binary keypoint descriptors (ORB: 256 bits in 32 bytes) and their Hamming distance. */
public final class BinaryDescriptors {

  public static final int BITS = 256;
  public static final int BYTES = BITS / Byte.SIZE;

  private BinaryDescriptors() {}

  public static void requireDescriptor(byte[] descriptor) {
    if (descriptor == null || descriptor.length != BYTES) {
      throw new IllegalArgumentException("a local descriptor must have " + BYTES + " bytes (" + BITS
          + " bits), got " + (descriptor == null ? "null" : descriptor.length));
    }
  }

  public static void requireKeypoints(StoredKeypoints keypoints) {
    if (keypoints.size() > 0 && keypoints.descriptorBytes() != BYTES) {
      throw new IllegalArgumentException("local descriptors must have " + BYTES + " bytes (" + BITS
          + " bits), got " + keypoints.descriptorBytes());
    }
  }
}
