package io.doppel.matcher.index.lucene;

import io.doppel.matcher.index.BinaryDescriptors;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.util.Bits;

/**
 * Bit-sampling LSH over one segment's 256-bit keypoint descriptors: the descriptor is cut into
 * {@value #TABLES} disjoint {@value #KEY_BITS}-bit keys, and a query descriptor's candidates are the
 * descriptors sharing at least one key with it, then checked by exact Hamming distance. A descriptor
 * at Hamming distance {@code d} shares a given key with probability {@code (1 - d/256)^16}, so at
 * least one of the 16 with {@code 1 - (1 - (1 - d/256)^16)^16}: 0.99 at d = 20, 0.89 at d = 30,
 * 0.66 at d = 40 (what FLANN's LSH index does for ORB, without its random bit choice: ORB's test
 * pairs are learned to be uncorrelated, so adjacent bits serve as well).
 *
 * <p>Why not Lucene's HNSW: ORB descriptors are close to uniformly random bits, on which a graph
 * search visits thousands of nodes per query descriptor and still misses near neighbours, where
 * these buckets check a few hundred candidates, find a descriptor within 15 bits every time
 * (KeypointBucketsTest#aDescriptorWithinFifteenBitsAlwaysSharesAKeyAndIsFound) and need no graph to
 * build or merge.
 *
 * <p>Immutable once built; built once per segment (segments are immutable), from the segment's flat
 * vector values and, where asked, its image keys. Memory: 132 bytes per descriptor on the heap (the
 * descriptor, its document, and a 2-byte key and 4-byte ordinal per table), 4 more for its image,
 * and each of the segment's image keys once. Why the keys: a search resolves thousands of found
 * descriptors to their images, and reading each from the segment's doc values decompresses a
 * terms block every time. Thread-safe.
 */
final class KeypointBuckets {

  static final int TABLES = 16;
  static final int KEY_BITS = 16;
  private static final int KEYS = 1 << KEY_BITS;
  private static final int LONGS = BinaryDescriptors.BYTES / Long.BYTES;
  /** Keys are found by binary search inside the range their top byte selects (where the radix sort's last pass put them). */
  private static final int DIRECTORY_SHIFT = Byte.SIZE;

  private static final int DIRECTORY_SIZE = (KEYS >>> DIRECTORY_SHIFT) + 1;
  private static final VarHandle LONG_VIEW =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle KEY_VIEW =
      MethodHandles.byteArrayViewVarHandle(char[].class, ByteOrder.LITTLE_ENDIAN);

  private final long[] descriptors;
  private final int[] docs;
  /** Per table: the ordinals sorted by their key, the sorted keys, and where each top byte's keys start. */
  private final int[][] ordsByKey;

  private final char[][] sortedKeys;
  private final int[][] directory;
  /** Per descriptor ordinal, its image's index in {@link #imageKeys}; both null when not asked for. */
  private final int[] imageOf;

  private final String[] imageKeys;

  private KeypointBuckets(
      long[] descriptors,
      int[] docs,
      int[][] ordsByKey,
      char[][] sortedKeys,
      int[][] directory,
      int[] imageOf,
      String[] imageKeys) {
    this.descriptors = descriptors;
    this.docs = docs;
    this.ordsByKey = ordsByKey;
    this.sortedKeys = sortedKeys;
    this.directory = directory;
    this.imageOf = imageOf;
    this.imageKeys = imageKeys;
  }

  static final KeypointBuckets EMPTY = new KeypointBuckets(
      new long[0],
      new int[0],
      new int[TABLES][0],
      new char[TABLES][0],
      emptyDirectories(),
      new int[0],
      new String[0]);

  /** The buckets of {@code field} in {@code segment} (empty when the segment has no such vectors), without image keys. */
  static KeypointBuckets build(LeafReader segment, String field) throws IOException {
    return build(segment, field, null);
  }

  /**
   * The buckets of {@code field} in {@code segment}, each descriptor's image key read from the sorted doc values of
   * {@code keyField} (null: none, and {@link #imageKeyOfDoc} fails).
   */
  static KeypointBuckets build(LeafReader segment, String field, String keyField)
      throws IOException {
    ByteVectorValues values = segment.getByteVectorValues(field);
    if (values == null || values.size() == 0) {
      return EMPTY;
    }
    int count = values.size();
    int[] docs = new int[count];
    byte[] packed = new byte[count * BinaryDescriptors.BYTES];
    SortedDocValues keys = keyField == null ? null : segment.getSortedDocValues(keyField);
    int[] imageOf = keyField == null ? null : new int[count];
    KnnVectorValues.DocIndexIterator iterator = values.iterator();
    for (int doc = iterator.nextDoc();
        doc != KnnVectorValues.DocIndexIterator.NO_MORE_DOCS;
        doc = iterator.nextDoc()) {
      int ord = iterator.index();
      byte[] descriptor = values.vectorValue(ord);
      BinaryDescriptors.requireDescriptor(descriptor);
      System.arraycopy(
          descriptor, 0, packed, ord * BinaryDescriptors.BYTES, BinaryDescriptors.BYTES);
      docs[ord] = doc;
      if (imageOf != null) {
        if (keys == null || !keys.advanceExact(doc)) {
          throw new IllegalStateException("keypoint document " + doc + " has no " + keyField);
        }
        imageOf[ord] = keys.ordValue();
      }
    }
    String[] imageKeys = null;
    if (imageOf != null) {
      imageKeys = new String[keys.getValueCount()];
      for (int image = 0; image < imageKeys.length; image++) {
        imageKeys[image] = keys.lookupOrd(image).utf8ToString();
      }
    }
    return of(packed, docs, imageOf, imageKeys);
  }

  /** The buckets of descriptors held in memory: {@code packed} holds descriptor {@code i} of document {@code docs[i]}. */
  static KeypointBuckets of(byte[] packed, int[] docs) {
    return of(packed, docs, null, null);
  }

  private static KeypointBuckets of(byte[] packed, int[] docs, int[] imageOf, String[] imageKeys) {
    int count = docs.length;
    if (packed.length != count * BinaryDescriptors.BYTES) {
      throw new IllegalArgumentException(
          packed.length + " descriptor bytes for " + count + " documents");
    }
    if (count == 0) {
      return EMPTY;
    }
    long[] descriptors = new long[count * LONGS];
    for (int ord = 0; ord < count; ord++) {
      for (int i = 0; i < LONGS; i++) {
        descriptors[ord * LONGS + i] =
            (long) LONG_VIEW.get(packed, ord * BinaryDescriptors.BYTES + i * Long.BYTES);
      }
    }
    int[][] ordsByKey = new int[TABLES][];
    char[][] sortedKeys = new char[TABLES][];
    int[][] directory = new int[TABLES][];
    char[] tableKeys = new char[count];
    int[] ordsByLowByte = new int[count];
    char[] keysByLowByte = new char[count];
    for (int table = 0; table < TABLES; table++) {
      for (int ord = 0; ord < count; ord++) {
        tableKeys[ord] = (char) key(packed, ord, table);
      }
      // a stable radix sort of the ordinals by key, low byte then high byte, each key carried along
      // so that both
      // passes read in order: linear in the segment's descriptors, with 256 counters per pass at
      // any segment size
      // (a comparison sort of (key, ordinal) pairs would be the merge thread's largest cost)
      int[] lowStarts = byteStarts(tableKeys, 0);
      for (int ord = 0; ord < count; ord++) {
        int at = lowStarts[tableKeys[ord] & 0xFF]++;
        ordsByLowByte[at] = ord;
        keysByLowByte[at] = tableKeys[ord];
      }
      int[] highStarts = byteStarts(tableKeys, Byte.SIZE);
      int[] tableDirectory = Arrays.copyOf(highStarts, DIRECTORY_SIZE);
      tableDirectory[DIRECTORY_SIZE - 1] = count;
      int[] ords = new int[count];
      char[] sorted = new char[count];
      for (int i = 0; i < count; i++) {
        char k = keysByLowByte[i];
        int at = highStarts[k >>> Byte.SIZE]++;
        ords[at] = ordsByLowByte[i];
        sorted[at] = k;
      }
      ordsByKey[table] = ords;
      sortedKeys[table] = sorted;
      directory[table] = tableDirectory;
    }
    return new KeypointBuckets(
        descriptors, docs, ordsByKey, sortedKeys, directory, imageOf, imageKeys);
  }

  /** Where each value of the byte at {@code shift} of the keys starts in an order sorted by that byte. */
  private static int[] byteStarts(char[] keys, int shift) {
    int[] starts = new int[1 << Byte.SIZE];
    for (char key : keys) {
      starts[(key >>> shift) & 0xFF]++;
    }
    for (int value = 0, start = 0; value < starts.length; value++) {
      int size = starts[value];
      starts[value] = start;
      start += size;
    }
    return starts;
  }

  int size() {
    return docs.length;
  }

  /** The image key of the descriptor in document {@code doc}, one this segment holds. */
  String imageKeyOfDoc(int doc) {
    if (imageOf == null) {
      throw new IllegalStateException("these buckets were built without image keys");
    }
    // ordinals follow documents (the vector values are read in document order)
    int ord = Arrays.binarySearch(docs, doc);
    if (ord < 0) {
      throw new IllegalArgumentException("document " + doc + " holds no descriptor here");
    }
    return imageKeys[imageOf[ord]];
  }

  /**
   * Offers {@code collector} every descriptor of this segment that shares a key with {@code query}, is admitted by
   * {@code accepted} (null: all) and lies within {@code maxHamming}. A descriptor sharing several keys is offered once
   * per shared key; the collector keeps each document once.
   */
  void collect(
      byte[] query, int maxHamming, Bits accepted, int segment, NearestDescriptors collector) {
    long q0 = (long) LONG_VIEW.get(query, 0);
    long q1 = (long) LONG_VIEW.get(query, Long.BYTES);
    long q2 = (long) LONG_VIEW.get(query, 2 * Long.BYTES);
    long q3 = (long) LONG_VIEW.get(query, 3 * Long.BYTES);
    for (int table = 0; table < TABLES; table++) {
      char k = (char) key(query, 0, table);
      char[] sorted = sortedKeys[table];
      int[] ords = ordsByKey[table];
      int top = k >>> DIRECTORY_SHIFT;
      int from = firstAtLeast(sorted, directory[table][top], directory[table][top + 1], k);
      for (int at = from; at < sorted.length && sorted[at] == k; at++) {
        int ord = ords[at];
        int base = ord * LONGS;
        int hamming = Long.bitCount(q0 ^ descriptors[base])
            + Long.bitCount(q1 ^ descriptors[base + 1])
            + Long.bitCount(q2 ^ descriptors[base + 2])
            + Long.bitCount(q3 ^ descriptors[base + 3]);
        // most candidates fail the distance, which costs less to check than the scope
        if (hamming <= Math.min(maxHamming, collector.farthestKept())
            && (accepted == null || accepted.get(docs[ord]))) {
          collector.offer(hamming, segment, docs[ord]);
        }
      }
    }
  }

  /** Key {@code table} of the descriptor at {@code ord} in {@code packed}: its bytes 2·table and 2·table + 1. */
  private static int key(byte[] packed, int ord, int table) {
    return (char) KEY_VIEW.get(packed, ord * BinaryDescriptors.BYTES + table * Character.BYTES);
  }

  private static int firstAtLeast(char[] sorted, int from, int to, int key) {
    int lo = from;
    int hi = to;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] < key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  private static int[][] emptyDirectories() {
    int[][] directories = new int[TABLES][];
    for (int table = 0; table < TABLES; table++) {
      directories[table] = new int[DIRECTORY_SIZE];
    }
    return directories;
  }

  /**
   * The {@code capacity} nearest descriptors offered (by Hamming distance, ties by segment and document), each
   * document once. Not thread-safe: one per query descriptor.
   */
  static final class NearestDescriptors {
    private final long[] kept;
    private int size;

    NearestDescriptors(int capacity) {
      this.kept = new long[capacity];
    }

    void offer(int hamming, int segment, int doc) {
      long entry = ((long) hamming << 52) | ((long) segment << 31) | doc;
      if (size == kept.length && entry >= kept[size - 1]) {
        return;
      }
      for (int i = 0; i < size; i++) {
        if (kept[i] == entry) {
          return;
        }
      }
      int at = size == kept.length ? size - 1 : size++;
      while (at > 0 && kept[at - 1] > entry) {
        kept[at] = kept[at - 1];
        at--;
      }
      kept[at] = entry;
    }

    int size() {
      return size;
    }

    /** The largest distance that can still be kept: that of the farthest kept once full, else any. */
    int farthestKept() {
      return size < kept.length ? Integer.MAX_VALUE : hamming(size - 1);
    }

    int segment(int i) {
      return (int) ((kept[i] >>> 31) & SEGMENT_MASK);
    }

    int doc(int i) {
      return (int) (kept[i] & DOC_MASK);
    }

    int hamming(int i) {
      return (int) (kept[i] >>> 52);
    }

    private static final long SEGMENT_MASK = (1L << 21) - 1;
    private static final long DOC_MASK = (1L << 31) - 1;
  }

  /**
   * The buckets of each open segment, built on the segment's first search (or by the merge that wrote it) and dropped
   * when the segment's core closes: segments are immutable, and deletes are applied at search time. Thread-safe.
   */
  static final class PerSegment {
    private final String field;
    private final String keyField;
    private final Map<IndexReader.CacheKey, KeypointBuckets> bySegment = new ConcurrentHashMap<>();

    /** Buckets of {@code field}, knowing each descriptor's image key from {@code keyField}. */
    PerSegment(String field, String keyField) {
      this.field = field;
      this.keyField = keyField;
    }

    KeypointBuckets of(LeafReader segment) throws IOException {
      IndexReader.CacheHelper cacheHelper = segment.getCoreCacheHelper();
      if (cacheHelper == null) {
        return build(segment, field, keyField);
      }
      IndexReader.CacheKey key = cacheHelper.getKey();
      KeypointBuckets cached = bySegment.get(key);
      if (cached != null) {
        return cached;
      }
      // two threads may both build a new segment's buckets; the first kept wins, the other is
      // garbage
      KeypointBuckets built = build(segment, field, keyField);
      if (bySegment.putIfAbsent(key, built) == null) {
        cacheHelper.addClosedListener(bySegment::remove);
      }
      return bySegment.getOrDefault(key, built);
    }
  }
}
