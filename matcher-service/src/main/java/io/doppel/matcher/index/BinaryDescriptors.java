package io.doppel.matcher.index;

/** Packed binary keypoint descriptors (ORB: 256 bits in 32 bytes) and their Hamming distance. */
final class BinaryDescriptors {

  static final int BITS = 256;
  static final int BYTES = BITS / Byte.SIZE;

  private BinaryDescriptors() {}

  static void requireDescriptor(byte[] descriptor) {
    if (descriptor == null || descriptor.length != BYTES) {
      throw new IllegalArgumentException("a local descriptor must have " + BYTES + " bytes (" + BITS
          + " bits), got " + (descriptor == null ? "null" : descriptor.length));
    }
  }

  static void requireKeypoints(StoredKeypoints keypoints) {
    if (keypoints.size() > 0 && keypoints.descriptorBytes() != BYTES) {
      throw new IllegalArgumentException("local descriptors must have " + BYTES + " bytes (" + BITS
          + " bits), got " + keypoints.descriptorBytes());
    }
  }
}
