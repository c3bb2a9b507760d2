package io.doppel.matcher.index.lucene;

import java.io.IOException;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.KnnVectorsReader;
import org.apache.lucene.codecs.KnnVectorsWriter;
import org.apache.lucene.codecs.hnsw.DefaultFlatVectorScorer;
import org.apache.lucene.codecs.hnsw.FlatVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99FlatVectorsFormat;
import org.apache.lucene.index.SegmentReadState;
import org.apache.lucene.index.SegmentWriteState;

/**
 * Packed binary keypoint descriptors (32 bytes for 256 bits) stored flat, without a graph: they are
 * searched through {@link KeypointBuckets}, built from these values when a segment is first searched.
 * Lucene99's flat files under a name of its own, registered for reading (SPI).
 */
public final class HammingFlatVectorsFormat extends KnnVectorsFormat {

  /** The name Lucene records per field and resolves through SPI when it opens a segment. */
  public static final String NAME = "DoppelHammingFlat";

  private static final int MAX_DIMENSIONS = 1024;

  private final FlatVectorsFormat flat =
      new Lucene99FlatVectorsFormat(DefaultFlatVectorScorer.INSTANCE);

  public HammingFlatVectorsFormat() {
    super(NAME);
  }

  @Override
  public KnnVectorsWriter fieldsWriter(SegmentWriteState state) throws IOException {
    return flat.fieldsWriter(state);
  }

  @Override
  public KnnVectorsReader fieldsReader(SegmentReadState state) throws IOException {
    return flat.fieldsReader(state);
  }

  @Override
  public int getMaxDimensions(String fieldName) {
    return MAX_DIMENSIONS;
  }
}
