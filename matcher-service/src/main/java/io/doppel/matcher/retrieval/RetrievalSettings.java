package io.doppel.matcher.retrieval;

/**
 * How wide the matcher casts its net.
 *
 * @param globalTopK global ANN hits per query view (FULL, MIRROR, each TILE)
 * @param localDescriptors strongest keypoint descriptors of each view (FULL, MIRROR, TILE) searched for votes
 * @param localNeighbours neighbours per query descriptor in the local search
 * @param localMaxHamming largest Hamming distance that still counts as a vote (of 256 bits)
 * @param localMaxImages images returned by one local search
 * @param candidateCap most candidates verified (and reported) per query
 */
public record RetrievalSettings(
    int globalTopK, int localDescriptors, int localNeighbours, int localMaxHamming, int localMaxImages, int candidateCap) {

  public static final RetrievalSettings DEFAULTS = new RetrievalSettings(20, 128, 4, 64, 20, 50);
  private static final int DESCRIPTOR_BITS = 256;

  public RetrievalSettings {
    positive("globalTopK", globalTopK);
    positive("localDescriptors", localDescriptors);
    positive("localNeighbours", localNeighbours);
    positive("localMaxImages", localMaxImages);
    positive("candidateCap", candidateCap);
    if (localMaxHamming < 0 || localMaxHamming > DESCRIPTOR_BITS) {
      throw new IllegalArgumentException("localMaxHamming must be in [0," + DESCRIPTOR_BITS + "], got " + localMaxHamming);
    }
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
  }
}
