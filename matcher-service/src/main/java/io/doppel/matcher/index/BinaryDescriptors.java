package io.doppel.matcher.index;

/** Packed binary keypoint descriptors (ORB: 256 bits in 32 bytes) and their Hamming distance. */
final class BinaryDescriptors {

  static final int BITS = 256;
  static final int BYTES = BITS / Byte.SIZE;

  private BinaryDescriptors() {}

  /**
   * One byte per bit, 0 or 1, most significant bit first. The squared Euclidean distance of two such
   * vectors is exactly their Hamming distance, which is what Lucene's byte HNSW can rank by.
   */
  static byte[] unpackBits(byte[] packed, int offset) {
    byte[] bits = new byte[BITS];
    for (int i = 0; i < BITS; i++) {
      bits[i] = (byte) ((packed[offset + i / Byte.SIZE] >> (Byte.SIZE - 1 - i % Byte.SIZE)) & 1);
    }
    return bits;
  }

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
