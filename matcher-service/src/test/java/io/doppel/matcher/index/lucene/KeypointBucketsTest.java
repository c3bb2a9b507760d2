package io.doppel.matcher.index.lucene;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.matcher.index.BinaryDescriptors;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnByteVectorField;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeypointBucketsTest {

  private static final String FIELD = "local_vector";

  /** A small segment and one with more descriptors than keys, where every key repeats. */
  @ParameterizedTest
  @ValueSource(ints = {5_000, 70_000})
  void aDescriptorWithinFifteenBitsAlwaysSharesAKeyAndIsFound(int descriptors) throws IOException {
    Random random = new Random(11);
    List<byte[]> stored = randomDescriptors(random, descriptors);
    try (Directory directory = indexOf(stored);
        DirectoryReader reader = DirectoryReader.open(directory)) {
      KeypointBuckets buckets = KeypointBuckets.build(onlySegment(reader), FIELD);
      assertThat(buckets.size()).isEqualTo(descriptors);
      for (int doc = 0; doc < descriptors; doc += 97) {
        // 15 flipped bits touch at most 15 of the 16 disjoint keys: one is left intact
        byte[] query = flip(stored.get(doc), 15, random);
        KeypointBuckets.NearestDescriptors nearest = new KeypointBuckets.NearestDescriptors(1);

        buckets.collect(query, 15, null, 0, nearest);

        assertThat(nearest.size()).isEqualTo(1);
        assertThat(nearest.doc(0)).isEqualTo(doc);
        assertThat(nearest.hamming(0)).isEqualTo(15);
      }
    }
  }

  @Test
  void rejectedDocumentsAndDescriptorsBeyondTheCutOffAreNeverOffered() throws IOException {
    Random random = new Random(12);
    List<byte[]> stored = randomDescriptors(random, 100);
    try (Directory directory = indexOf(stored);
        DirectoryReader reader = DirectoryReader.open(directory)) {
      KeypointBuckets buckets = KeypointBuckets.build(onlySegment(reader), FIELD);
      byte[] query = flip(stored.get(42), 8, random);
      Bits allBut42 = new Bits.MatchAllBits(100) {
        @Override
        public boolean get(int index) {
          return index != 42;
        }
      };

      KeypointBuckets.NearestDescriptors rejected = new KeypointBuckets.NearestDescriptors(3);
      buckets.collect(query, 64, allBut42, 0, rejected);
      KeypointBuckets.NearestDescriptors tooFar = new KeypointBuckets.NearestDescriptors(3);
      buckets.collect(query, 7, null, 0, tooFar);
      KeypointBuckets.NearestDescriptors found = new KeypointBuckets.NearestDescriptors(3);
      buckets.collect(query, 8, null, 0, found);

      assertThat(docs(rejected)).doesNotContain(42);
      assertThat(docs(tooFar)).doesNotContain(42);
      assertThat(docs(found)).contains(42);
    }
  }

  @Test
  void nearestKeepsTheClosestOnceEachInOrder() {
    KeypointBuckets.NearestDescriptors nearest = new KeypointBuckets.NearestDescriptors(3);
    nearest.offer(30, 0, 7);
    nearest.offer(10, 1, 3);
    nearest.offer(10, 1, 3);
    nearest.offer(20, 0, 9);
    nearest.offer(40, 2, 1);
    nearest.offer(5, 2, 8);

    assertThat(nearest.size()).isEqualTo(3);
    assertThat(List.of(nearest.hamming(0), nearest.hamming(1), nearest.hamming(2)))
        .containsExactly(5, 10, 20);
    assertThat(List.of(nearest.segment(1), nearest.doc(1))).containsExactly(1, 3);
  }

  @Test
  void aSegmentWithoutKeypointsHasEmptyBuckets() throws IOException {
    try (Directory directory = indexOf(List.of());
        DirectoryReader reader = DirectoryReader.open(directory)) {
      KeypointBuckets.NearestDescriptors nearest = new KeypointBuckets.NearestDescriptors(3);
      KeypointBuckets.build(onlySegment(reader), FIELD)
          .collect(new byte[BinaryDescriptors.BYTES], 256, null, 0, nearest);
      assertThat(nearest.size()).isZero();
    }
  }

  @Test
  void aFoundDescriptorsImageKeyIsThatOfItsDocumentAmongDocumentsWithoutDescriptors()
      throws IOException {
    // as in the index: an image's global documents, which hold no descriptor, sit between its
    // keypoint documents, so descriptor ordinals and document numbers differ
    Random random = new Random(13);
    Directory directory = new ByteBuffersDirectory();
    List<byte[]> stored = new ArrayList<>();
    List<String> keyOfDoc = new ArrayList<>();
    try (IndexWriter writer = new IndexWriter(directory, flatCodecConfig())) {
      for (int doc = 0; doc < 60; doc++) {
        String key = "image-" + (doc / 7);
        Document document = new Document();
        document.add(new SortedDocValuesField("image", new BytesRef(key)));
        if (doc % 4 != 0) {
          byte[] descriptor = randomDescriptors(random, 1).get(0);
          document.add(
              new KnnByteVectorField(FIELD, descriptor, VectorSimilarityFunction.EUCLIDEAN));
          stored.add(descriptor);
        } else {
          stored.add(null);
        }
        keyOfDoc.add(key);
        writer.addDocument(document);
      }
      writer.forceMerge(1);
    }
    try (directory;
        DirectoryReader reader = DirectoryReader.open(directory)) {
      KeypointBuckets buckets = KeypointBuckets.build(onlySegment(reader), FIELD, "image");
      int found = 0;
      for (int doc = 0; doc < stored.size(); doc++) {
        if (stored.get(doc) == null) {
          continue;
        }
        KeypointBuckets.NearestDescriptors nearest = new KeypointBuckets.NearestDescriptors(1);
        buckets.collect(stored.get(doc), 0, null, 0, nearest);
        assertThat(nearest.doc(0)).isEqualTo(doc);
        assertThat(buckets.imageKeyOfDoc(nearest.doc(0))).isEqualTo(keyOfDoc.get(doc));
        found++;
      }
      assertThat(found).isEqualTo(45);
      assertThatThrownBy(() -> KeypointBuckets.build(onlySegment(reader), FIELD).imageKeyOfDoc(1))
          .isInstanceOf(IllegalStateException.class);
    }
  }

  private static List<Integer> docs(KeypointBuckets.NearestDescriptors nearest) {
    List<Integer> docs = new ArrayList<>();
    for (int i = 0; i < nearest.size(); i++) {
      docs.add(nearest.doc(i));
    }
    return docs;
  }

  private static Directory indexOf(List<byte[]> descriptors) throws IOException {
    Directory directory = new ByteBuffersDirectory();
    try (IndexWriter writer = new IndexWriter(directory, flatCodecConfig())) {
      for (byte[] descriptor : descriptors) {
        Document doc = new Document();
        doc.add(new KnnByteVectorField(FIELD, descriptor, VectorSimilarityFunction.EUCLIDEAN));
        writer.addDocument(doc);
      }
      if (descriptors.isEmpty()) {
        writer.addDocument(new Document());
      }
      writer.forceMerge(1);
    }
    return directory;
  }

  private static IndexWriterConfig flatCodecConfig() {
    KnnVectorsFormat flat = new HammingFlatVectorsFormat();
    return new IndexWriterConfig().setCodec(new Lucene104Codec() {
      @Override
      public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
        return flat;
      }
    });
  }

  private static LeafReader onlySegment(DirectoryReader reader) {
    assertThat(reader.leaves()).hasSize(1);
    return reader.leaves().get(0).reader();
  }

  private static List<byte[]> randomDescriptors(Random random, int count) {
    List<byte[]> descriptors = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte[] descriptor = new byte[BinaryDescriptors.BYTES];
      random.nextBytes(descriptor);
      descriptors.add(descriptor);
    }
    return descriptors;
  }

  /** {@code bits} distinct bits of {@code descriptor} flipped. */
  private static byte[] flip(byte[] descriptor, int bits, Random random) {
    byte[] flipped = descriptor.clone();
    java.util.Set<Integer> chosen = new java.util.HashSet<>();
    while (chosen.size() < bits) {
      chosen.add(random.nextInt(BinaryDescriptors.BYTES * Byte.SIZE));
    }
    for (int bit : chosen) {
      flipped[bit / Byte.SIZE] ^= (byte) (1 << (bit % Byte.SIZE));
    }
    return flipped;
  }
}
