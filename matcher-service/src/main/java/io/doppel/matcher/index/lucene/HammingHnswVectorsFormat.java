package io.doppel.matcher.index.lucene;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.FlatVectorsFormat;
import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.codecs.lucene99.Lucene99FlatVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsReader;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsWriter;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;
import org.apache.lucene.util.hnsw.UpdateableRandomVectorScorer;

/**
 * Lucene's HNSW over packed binary vectors (32 bytes for a 256-bit ORB descriptor) scored by exact
 * Hamming distance, {@code 1 / (1 + hamming)}, whatever similarity the field declares. Lucene has
 * no Hamming similarity; without this, a 256-bit descriptor costs 256 bytes (one per bit) on disk
 * and in the page cache, and every distance reads eight times the bytes. The graph and flat files
 * are Lucene99's; only the scorer differs, so the format is registered by name (SPI) for reading.
 *
 * <p>Keypoint descriptors are written flat ({@link HammingFlatVectorsFormat}) and searched through
 * {@link KeypointBuckets}; this format is only read. It stays registered so that an index written in
 * it opens: its segments are read as they are, and rewritten flat when they merge (guarded by
 * LuceneVectorIndexTest#anIndexWrittenWithTheEarlierHammingGraphFormatOpensAndMergesIntoTheFlatOne).
 */
public final class HammingHnswVectorsFormat extends KnnVectorsFormat {

  /** The name Lucene records per field and resolves through SPI when it opens a segment. */
  public static final String NAME = "DoppelHammingHnsw";

  private static final int MAX_DIMENSIONS = 1024;
  private static final int MERGE_WORKERS = 1;

  private final int maxConn;
  private final int beamWidth;
  private final FlatVectorsFormat flat = new Lucene99FlatVectorsFormat(new HammingScorer());

  /** For SPI (reading): graph parameters only matter when writing. */
  public HammingHnswVectorsFormat() {
    this(Lucene99HnswVectorsFormat.DEFAULT_MAX_CONN, Lucene99HnswVectorsFormat.DEFAULT_BEAM_WIDTH);
  }

  public HammingHnswVectorsFormat(int maxConn, int beamWidth) {
    super(NAME);
    this.maxConn = maxConn;
    this.beamWidth = beamWidth;
  }

  @Override
  public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
    return new Lucene99HnswVectorsWriter(
        state, maxConn, beamWidth, flat, flat.fieldsWriter(state), MERGE_WORKERS, null);
  }

  @Override
  public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
    return new Lucene99HnswVectorsReader(state, flat.fieldsReader(state));
  }

  @Override
  public int getMaxDimensions(String fieldName) {
    return MAX_DIMENSIONS;
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  /** Hamming distance of two packed bit vectors, eight bytes per popcount. */
  static int hamming(byte[] a, byte[] b) {
    int distance = 0;
    int i = 0;
    for (; i + Long.BYTES <= a.length; i += Long.BYTES) {
      distance += Long.bitCount((long) LONGS.get(a, i) ^ (long) LONGS.get(b, i));
    }
    for (; i < a.length; i++) {
      distance += Integer.bitCount((a[i] ^ b[i]) & 0xFF);
    }
    return distance;
  }

  static float score(byte[] a, byte[] b) {
    return 1f / (1 + hamming(a, b));
  }

  private static final class HammingScorer implements FlatVectorsScorer {

    @Override
    public RandomVectorScorerSupplier getRandomVectorScorerSupplier(
        VectorSimilarityFunction similarity, KnnVectorValues values) throws IOException {
      return new HammingSupplier((ByteVectorValues) values);
    }

    @Override
    public RandomVectorScorer getRandomVectorScorer(
        VectorSimilarityFunction similarity, KnnVectorValues values, float[] target) {
      throw new IllegalArgumentException("Hamming vectors are bytes, not floats");
    }

    @Override
    public RandomVectorScorer getRandomVectorScorer(
        VectorSimilarityFunction similarity, KnnVectorValues values, byte[] target) {
      ByteVectorValues vectors = (ByteVectorValues) values;
      return new RandomVectorScorer.AbstractRandomVectorScorer(values) {
        @Override
        public float score(int node) throws IOException {
          return HammingHnswVectorsFormat.score(target, vectors.vectorValue(node));
        }
      };
    }

    @Override
    public String toString() {
      return "HammingScorer";
    }
  }

  private static final class HammingSupplier implements RandomVectorScorerSupplier {
    private final ByteVectorValues vectors;

    HammingSupplier(ByteVectorValues vectors) {
      this.vectors = vectors;
    }

    @Override
    public UpdateableRandomVectorScorer scorer() throws IOException {
      ByteVectorValues targets = vectors.copy();
      ByteVectorValues candidates = vectors.copy();
      return new UpdateableRandomVectorScorer.AbstractUpdateableRandomVectorScorer(candidates) {
        private byte[] target;

        @Override
        public void setScoringOrdinal(int node) throws IOException {
          target = targets.vectorValue(node).clone();
        }

        @Override
        public float score(int node) throws IOException {
          return HammingHnswVectorsFormat.score(target, candidates.vectorValue(node));
        }
      };
    }

    @Override
    public RandomVectorScorerSupplier copy() throws IOException {
      return new HammingSupplier(vectors.copy());
    }
  }
}
