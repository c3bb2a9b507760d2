package io.doppel.matcher.retrieval;

/**
 * How wide the matcher casts its net.
 *
 * <p>Retrieval is a cascade: the global candidates are retrieved and the {@code firstPassCap} most similar are
 * verified; when one of them reaches {@code confidentInliers}, the query is explained and the (costlier) local
 * recall is skipped. Otherwise local recall adds its candidates and the {@code candidateCap} most promising of the
 * union, plus the {@code perViewCandidates} best of every single view (so a strip's tile, whose evidence is weaker
 * than a whole image's, still gets its own candidates verified), are verified. {@code globalOnly} turns verification and local recall off: candidates are the global
 * top-K and their score is the cosine similarity (a baseline for measuring the descriptor alone).
 *
 * @param globalTopK global ANN hits per query view (FULL, MIRROR, each TILE)
 * @param localDescriptors strongest keypoint descriptors of each view (FULL, MIRROR, TILE, REGION) searched for votes
 * @param denseLocalDescriptors strongest keypoint descriptors of the upload's DENSE view (a REGION covering the whole
 *     image, with several times FULL's keypoints) searched for votes: a copy filling a tenth of the upload holds a
 *     tenth of them, so the strongest {@code localDescriptors} alone, most of them on text and UI, would rarely reach it
 * @param localNeighbours neighbours per query descriptor in the local search
 * @param localMaxHamming largest Hamming distance that still counts as a vote (of 256 bits)
 * @param localMaxImages images returned by one local search
 * @param candidateCap most candidates verified (and reported) per query
 * @param perViewCandidates best global hits and best local-vote images of each view that are always verified when
 *     local recall runs
 * @param firstPassCap global candidates verified before deciding whether local recall is needed (and verified again
 *     through the DENSE view where none settles the upload); also the number of best-voted images the DENSE view
 *     verifies
 * @param confidentInliers inliers that explain a query without local recall; 0 always runs local recall
 * @param globalOnly global retrieval only, scored by cosine similarity
 */
public record RetrievalSettings(
    int globalTopK,
    int localDescriptors,
    int denseLocalDescriptors,
    int localNeighbours,
    int localMaxHamming,
    int localMaxImages,
    int candidateCap,
    int perViewCandidates,
    int firstPassCap,
    int confidentInliers,
    boolean globalOnly) {

  public static final RetrievalSettings DEFAULTS =
      new RetrievalSettings(20, 128, 512, 4, 64, 20, 30, 2, 5, 30, false);
  private static final int DESCRIPTOR_BITS = 256;

  public RetrievalSettings {
    positive("globalTopK", globalTopK);
    positive("localDescriptors", localDescriptors);
    positive("denseLocalDescriptors", denseLocalDescriptors);
    positive("localNeighbours", localNeighbours);
    positive("localMaxImages", localMaxImages);
    positive("candidateCap", candidateCap);
    positive("firstPassCap", firstPassCap);
    if (perViewCandidates < 0) {
      throw new IllegalArgumentException(
          "perViewCandidates must be >= 0, got " + perViewCandidates);
    }
    if (localMaxHamming < 0 || localMaxHamming > DESCRIPTOR_BITS) {
      throw new IllegalArgumentException(
          "localMaxHamming must be in [0," + DESCRIPTOR_BITS + "], got " + localMaxHamming);
    }
    if (confidentInliers < 0) {
      throw new IllegalArgumentException("confidentInliers must be >= 0, got " + confidentInliers);
    }
  }

  /** These settings with local recall and verification off: score = cosine of the global descriptors. */
  public RetrievalSettings asGlobalOnly() {
    return new RetrievalSettings(
        globalTopK,
        localDescriptors,
        denseLocalDescriptors,
        localNeighbours,
        localMaxHamming,
        localMaxImages,
        candidateCap,
        perViewCandidates,
        firstPassCap,
        confidentInliers,
        true);
  }

  /** Whether a verification with {@code inliers} explains the query well enough to skip further search. */
  boolean confident(int inliers) {
    return confidentInliers > 0 && inliers >= confidentInliers;
  }

  private static void positive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
  }
}
