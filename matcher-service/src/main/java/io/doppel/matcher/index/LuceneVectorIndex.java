package io.doppel.matcher.index;

import io.doppel.schemas.avro.Purpose;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnByteVectorField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;

/**
 * The embedded {@link VectorIndex}: Lucene on local disk, HNSW for global vectors.
 *
 * <p>Each image is one block of documents written by a single {@code updateDocuments} call keyed
 * by the image: an {@code image} document (metadata, keypoint positions and raw descriptors), one
 * {@code global} document per global vector and one {@code local} document per keypoint. Global
 * vectors are L2-normalised and compared by dot product (cosine). Local descriptors are stored
 * packed and flat (32 bytes for 256 bits, {@link HammingFlatVectorsFormat}) and searched through
 * {@link KeypointBuckets} by exact Hamming distance, so the cut-off is exact. Scope is a Lucene
 * filter inside the global kNN query (pre-filtered HNSW) and a per-segment bit set checked for every
 * local candidate, so it can never widen a search.
 */
public final class LuceneVectorIndex implements VectorIndex {

  private static final String F_IMAGE = "image";
  private static final String F_KIND = "kind";
  private static final String F_TENANT = "tenant";
  private static final String F_IMAGE_ID = "image_id";
  private static final String F_PURPOSE = "purpose";
  private static final String F_REFERENCE_SET = "reference_set";
  private static final String F_RIGHTS_HOLDER = "rights_holder";
  private static final String F_INDEXED_AT = "indexed_at";
  private static final String F_WIDTH = "width";
  private static final String F_HEIGHT = "height";
  private static final String F_XS = "kp_x";
  private static final String F_YS = "kp_y";
  private static final String F_DESCRIPTORS = "kp_descriptors";
  private static final String F_DESCRIPTOR_BYTES = "kp_descriptor_bytes";
  private static final String F_GLOBAL_VECTOR = "global_vector";
  private static final String F_LOCAL_VECTOR = "local_vector";

  private static final String KIND_IMAGE = "image";
  private static final String KIND_GLOBAL = "global";
  private static final String KIND_LOCAL = "local";

  /** Fetch this many global documents per wanted image at first: tall images have several vectors. */
  private static final int GLOBAL_OVERFETCH = 4;

  /** Scope filters whose per-segment bits are kept: a deployment has a few tenants and reference-set subscriptions. */
  private static final int SCOPES_KEPT_PER_SEGMENT = 64;

  private final LuceneIndexConfig config;
  private final Directory directory;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final ExecutorService localSearchPool;
  private final KeypointBuckets.PerSegment keypointBuckets;
  private final ResolvedFilter.Cache scopeBits = new ResolvedFilter.Cache(SCOPES_KEPT_PER_SEGMENT);

  private LuceneVectorIndex(LuceneIndexConfig config, Directory directory, IndexWriter writer, SearcherManager searchers,
      KeypointBuckets.PerSegment keypointBuckets) {
    this.config = config;
    this.keypointBuckets = keypointBuckets;
    this.directory = directory;
    this.writer = writer;
    this.searchers = searchers;
    AtomicInteger threadNumber = new AtomicInteger();
    this.localSearchPool = Executors.newFixedThreadPool(config.localSearchThreads(), runnable -> {
      Thread thread = new Thread(runnable, "lucene-local-search-" + threadNumber.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Opens (or creates) the index of {@code config.model()} under {@code config.directory()}. */
  public static LuceneVectorIndex open(LuceneIndexConfig config) {
    return open(config, new HammingFlatVectorsFormat());
  }

  /** As {@link #open(LuceneIndexConfig)}, writing local descriptors in {@code localFormat} (tests of older indexes). */
  static LuceneVectorIndex open(LuceneIndexConfig config, KnnVectorsFormat localFormat) {
    try {
      Directory directory = FSDirectory.open(config.indexDirectory());
      KeypointBuckets.PerSegment keypointBuckets = new KeypointBuckets.PerSegment(F_LOCAL_VECTOR);
      // a merged segment's buckets are built by the merge thread, not by the first search that meets it
      IndexWriterConfig writerConfig = new IndexWriterConfig().setCodec(new HnswCodec(config, localFormat))
          .setMergedSegmentWarmer(keypointBuckets::of);
      IndexWriter writer = new IndexWriter(directory, writerConfig);
      return new LuceneVectorIndex(config, directory, writer, new SearcherManager(writer, null), keypointBuckets);
    } catch (IOException e) {
      throw new IndexUnavailableException("cannot open the lucene index at " + config.indexDirectory(), e);
    }
  }

  @Override
  public void upsert(IndexedImage image) {
    BinaryDescriptors.requireKeypoints(image.keypoints());
    if (image.globals().isEmpty()) {
      throw new IllegalArgumentException("image " + image.ref() + " has no global vector");
    }
    String key = imageKey(image.ref());
    List<Document> block = new ArrayList<>(1 + image.globals().size() + image.keypoints().size());
    block.add(imageDocument(key, image));
    for (float[] global : image.globals()) {
      Document doc = scopedDocument(key, KIND_GLOBAL, image);
      doc.add(new KnnFloatVectorField(F_GLOBAL_VECTOR, unitVector(global), VectorSimilarityFunction.DOT_PRODUCT));
      block.add(doc);
    }
    StoredKeypoints keypoints = image.keypoints();
    for (int i = 0; i < Math.min(keypoints.size(), config.localVotingKeypoints()); i++) {
      Document doc = scopedDocument(key, KIND_LOCAL, image);
      byte[] descriptor = Arrays.copyOfRange(keypoints.descriptors(), i * BinaryDescriptors.BYTES, (i + 1) * BinaryDescriptors.BYTES);
      // the similarity is recorded but unused: KeypointBuckets compares these by Hamming distance
      doc.add(new KnnByteVectorField(F_LOCAL_VECTOR, descriptor, VectorSimilarityFunction.EUCLIDEAN));
      block.add(doc);
    }
    try {
      writer.updateDocuments(new Term(F_IMAGE, key), block);
    } catch (IOException e) {
      throw new IndexUnavailableException("lucene write failed for " + image.ref(), e);
    }
  }

  @Override
  public void delete(ImageRef image) {
    try {
      writer.deleteDocuments(new Term(F_IMAGE, imageKey(image)));
    } catch (IOException e) {
      throw new IndexUnavailableException("lucene delete failed for " + image, e);
    }
  }

  @Override
  public List<GlobalHit> searchGlobal(float[] query, int k, Scope scope) {
    return searchGlobalBatch(List.of(query), k, scope).getFirst();
  }

  /**
   * Every query under one searcher: the scope's bits are resolved once (and kept per segment for the next upload), and
   * the metadata of the union of hits is read once.
   */
  @Override
  public List<List<GlobalHit>> searchGlobalBatch(List<float[]> queries, int k, Scope scope) {
    requirePositive(k, "k");
    List<float[]> targets = queries.stream().map(LuceneVectorIndex::unitVector).toList();
    if (scope.isEmpty()) {
      return targets.stream().map(target -> List.<GlobalHit>of()).toList();
    }
    return withSearcher(searcher -> {
      Query filter = resolvedScope(searcher, KIND_GLOBAL, scope).asQuery();
      List<Map<String, Float>> nearestPerQuery = new ArrayList<>(targets.size());
      Set<String> found = new HashSet<>();
      for (float[] target : targets) {
        Map<String, Float> nearest = nearestImages(searcher, target, k, filter);
        nearestPerQuery.add(nearest);
        found.addAll(nearest.keySet());
      }
      Map<String, StoredImage> stored = storedImages(searcher, List.copyOf(found));
      List<List<GlobalHit>> hitsPerQuery = new ArrayList<>(targets.size());
      for (Map<String, Float> nearest : nearestPerQuery) {
        List<GlobalHit> hits = new ArrayList<>(nearest.size());
        nearest.forEach((key, similarity) -> hits.add(new GlobalHit(stored.get(key).ref(), stored.get(key).meta(), similarity)));
        hitsPerQuery.add(hits);
      }
      return hitsPerQuery;
    });
  }

  /** The {@code k} images nearest to {@code target} within {@code filter}, by image key, nearest first, with their cosine. */
  private static Map<String, Float> nearestImages(IndexSearcher searcher, float[] target, int k, Query filter) throws IOException {
    int fetch = k * GLOBAL_OVERFETCH;
    while (true) {
      ScoreDoc[] hits = searcher.search(new KnnFloatVectorQuery(F_GLOBAL_VECTOR, target, fetch, filter), fetch).scoreDocs;
      String[] keys = imageKeysOf(searcher, hits);
      Map<String, Float> bestPerImage = new LinkedHashMap<>();
      for (int i = 0; i < hits.length && bestPerImage.size() < k; i++) {
        bestPerImage.putIfAbsent(keys[i], cosineFromDotProductScore(hits[i].score));
      }
      if (bestPerImage.size() >= k || hits.length < fetch) {
        return bestPerImage;
      }
      fetch *= 2;
    }
  }

  @Override
  public List<LocalVotes> searchLocal(List<byte[]> descriptors, int neighbours, int maxHamming, int maxImages, Scope scope) {
    requirePositive(neighbours, "neighbours");
    requirePositive(maxImages, "maxImages");
    descriptors.forEach(BinaryDescriptors::requireDescriptor);
    if (scope.isEmpty() || descriptors.isEmpty()) {
      return List.of();
    }
    return withSearcher(searcher -> {
      ResolvedFilter filter = resolvedScope(searcher, KIND_LOCAL, scope);
      List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
      List<KeypointBuckets> buckets = new ArrayList<>(leaves.size());
      List<Bits> accepted = new ArrayList<>(leaves.size());
      for (LeafReaderContext leaf : leaves) {
        buckets.add(keypointBuckets.of(leaf.reader()));
        accepted.add(filter.acceptedDocs(leaf));
      }
      List<Future<Set<String>>> perDescriptor = new ArrayList<>(descriptors.size());
      for (byte[] descriptor : descriptors) {
        perDescriptor.add(localSearchPool.submit(
            () -> imagesNear(leaves, buckets, accepted, descriptor, neighbours, maxHamming)));
      }
      Map<String, Integer> votes = new HashMap<>();
      for (Future<Set<String>> images : perDescriptor) {
        for (String key : await(images)) {
          votes.merge(key, 1, Integer::sum);
        }
      }
      List<Map.Entry<String, Integer>> ranked = votes.entrySet().stream()
          .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
          .limit(maxImages)
          .toList();
      Map<String, StoredImage> stored = storedImages(searcher, ranked.stream().map(Map.Entry::getKey).toList());
      List<LocalVotes> result = new ArrayList<>(ranked.size());
      for (Map.Entry<String, Integer> entry : ranked) {
        StoredImage image = stored.get(entry.getKey());
        result.add(new LocalVotes(image.ref(), image.meta(), entry.getValue()));
      }
      return result;
    });
  }

  /** {@code scope} over the documents of {@code kind}, its bits kept per segment unless it is bounded in time. */
  private ResolvedFilter resolvedScope(IndexSearcher searcher, String kind, Scope scope) throws IOException {
    // the query image is excluded per document, so that the scope's bits stay the same for every query of a tenant
    Query excluded = scope.exclude() == null ? null : new TermQuery(new Term(F_IMAGE, imageKey(scope.exclude())));
    // a time-bounded scope (a retro-scan's window) is rarely asked twice: not worth keeping
    return ResolvedFilter.resolve(searcher, scopeFilter(kind, scope), excluded, scope.boundedInTime() ? null : scopeBits);
  }

  /** The images having one of the {@code neighbours} nearest descriptors found within {@code maxHamming}: one vote each. */
  private static Set<String> imagesNear(List<LeafReaderContext> leaves, List<KeypointBuckets> buckets, List<Bits> accepted,
      byte[] descriptor, int neighbours, int maxHamming) throws IOException {
    KeypointBuckets.NearestDescriptors nearest = new KeypointBuckets.NearestDescriptors(neighbours);
    for (int segment = 0; segment < leaves.size(); segment++) {
      if (accepted.get(segment) != null) {
        buckets.get(segment).collect(descriptor, maxHamming, accepted.get(segment), segment, nearest);
      }
    }
    Set<String> images = new HashSet<>();
    for (int i = 0; i < nearest.size(); i++) {
      images.add(imageKeyOf(leaves.get(nearest.segment(i)), nearest.doc(i)));
    }
    return images;
  }

  @Override
  public StoredKeypoints keypoints(ImageRef image) {
    return withSearcher(searcher -> {
      StoredImage stored = storedImage(searcher, imageKey(image), true);
      return stored == null ? StoredKeypoints.EMPTY : stored.keypoints();
    });
  }

  /** One query for every image's document, instead of one search per image. */
  @Override
  public Map<ImageRef, StoredKeypoints> keypointsBatch(Collection<ImageRef> images) {
    List<ImageRef> distinct = images.stream().distinct().toList();
    Map<String, StoredImage> stored = withSearcher(
        searcher -> storedImages(searcher, distinct.stream().map(LuceneVectorIndex::imageKey).toList(), true));
    Map<ImageRef, StoredKeypoints> keypoints = new LinkedHashMap<>();
    for (ImageRef image : distinct) {
      StoredImage found = stored.get(imageKey(image));
      keypoints.put(image, found == null ? StoredKeypoints.EMPTY : found.keypoints());
    }
    return keypoints;
  }

  @Override
  public boolean contains(ImageRef image) {
    return withSearcher(searcher -> searcher.count(imageDocQuery(imageKey(image))) > 0);
  }

  /** Reopens the near-real-time reader so every prior write is searchable (not yet durable: see {@link #commit()}). */
  @Override
  public void refresh() {
    try {
      searchers.maybeRefreshBlocking();
    } catch (IOException e) {
      throw new IndexUnavailableException("lucene refresh failed", e);
    }
  }

  /** Commits every prior write to disk (fsync), once per stream-task commit rather than once per image. */
  @Override
  public void commit() {
    try {
      if (writer.hasUncommittedChanges()) {
        writer.commit();
      }
    } catch (IOException e) {
      throw new IndexUnavailableException("lucene commit failed", e);
    }
  }

  /** Bytes of the committed index on disk (call {@link #commit()} first). */
  public long sizeOnDiskBytes() {
    try {
      long total = 0;
      for (String file : directory.listAll()) {
        total += directory.fileLength(file);
      }
      return total;
    } catch (IOException e) {
      throw new IndexUnavailableException("cannot list the lucene index files", e);
    }
  }

  /** Merges the index to one segment, as a long-lived index converges to; for size measurements. */
  public void forceMerge() {
    try {
      writer.forceMerge(1);
      commit();
      refresh();
    } catch (IOException e) {
      throw new IndexUnavailableException("lucene force-merge failed", e);
    }
  }

  @Override
  public void close() {
    localSearchPool.shutdownNow();
    try (directory; writer; searchers) {
      writer.commit();
    } catch (IOException e) {
      throw new IndexUnavailableException("closing the lucene index failed", e);
    }
  }

  // ---- documents

  private static Document imageDocument(String key, IndexedImage image) {
    Document doc = scopedDocument(key, KIND_IMAGE, image);
    doc.add(new StoredField(F_IMAGE_ID, image.ref().imageId()));
    doc.add(new StoredField(F_TENANT, image.ref().tenant()));
    doc.add(new StoredField(F_PURPOSE, image.purpose().name()));
    if (image.referenceSet() != null) {
      doc.add(new StoredField(F_REFERENCE_SET, image.referenceSet()));
    }
    if (image.rightsHolder() != null) {
      doc.add(new StoredField(F_RIGHTS_HOLDER, image.rightsHolder()));
    }
    doc.add(new StoredField(F_INDEXED_AT, image.indexedAtMillis()));
    doc.add(new StoredField(F_WIDTH, image.width()));
    doc.add(new StoredField(F_HEIGHT, image.height()));
    StoredKeypoints keypoints = image.keypoints();
    doc.add(new StoredField(F_XS, floatsToBytes(keypoints.xs())));
    doc.add(new StoredField(F_YS, floatsToBytes(keypoints.ys())));
    doc.add(new StoredField(F_DESCRIPTORS, keypoints.descriptors()));
    doc.add(new StoredField(F_DESCRIPTOR_BYTES, keypoints.descriptorBytes()));
    return doc;
  }

  /** The fields every scope filter reads, indexed on every document of the image. */
  private static Document scopedDocument(String key, String kind, IndexedImage image) {
    Document doc = new Document();
    doc.add(new StringField(F_IMAGE, key, Field.Store.NO));
    doc.add(new SortedDocValuesField(F_IMAGE, new BytesRef(key)));
    doc.add(new StringField(F_KIND, kind, Field.Store.NO));
    doc.add(new StringField(F_TENANT, image.ref().tenant(), Field.Store.NO));
    doc.add(new StringField(F_PURPOSE, image.purpose().name(), Field.Store.NO));
    if (image.referenceSet() != null) {
      doc.add(new StringField(F_REFERENCE_SET, image.referenceSet(), Field.Store.NO));
    }
    doc.add(new LongPoint(F_INDEXED_AT, image.indexedAtMillis()));
    return doc;
  }

  // ---- queries

  /** Scope as a Lucene filter: (own uploads OR subscribed references) AND indexed since; the query image is excluded apart. */
  private static Query scopeFilter(String kind, Scope scope) {
    BooleanQuery.Builder admitted = new BooleanQuery.Builder().setMinimumNumberShouldMatch(1);
    if (!scope.uploadTenants().isEmpty()) {
      admitted.add(new BooleanQuery.Builder()
          .add(new TermQuery(new Term(F_PURPOSE, Purpose.UPLOAD.name())), Occur.FILTER)
          .add(new TermInSetQuery(F_TENANT, bytesRefs(scope.uploadTenants())), Occur.FILTER)
          .build(), Occur.SHOULD);
    }
    if (!scope.referenceSets().isEmpty()) {
      admitted.add(new BooleanQuery.Builder()
          .add(new TermQuery(new Term(F_PURPOSE, Purpose.REFERENCE.name())), Occur.FILTER)
          .add(new TermInSetQuery(F_REFERENCE_SET, bytesRefs(scope.referenceSets())), Occur.FILTER)
          .build(), Occur.SHOULD);
    }
    BooleanQuery.Builder filter = new BooleanQuery.Builder()
        .add(new TermQuery(new Term(F_KIND, kind)), Occur.FILTER)
        .add(admitted.build(), Occur.FILTER)
        .add(LongPoint.newRangeQuery(F_INDEXED_AT, scope.indexedSinceMillis(), Long.MAX_VALUE), Occur.FILTER);
    return filter.build();
  }

  private static Query imageDocQuery(String key) {
    return new BooleanQuery.Builder()
        .add(new TermQuery(new Term(F_KIND, KIND_IMAGE)), Occur.FILTER)
        .add(new TermQuery(new Term(F_IMAGE, key)), Occur.FILTER)
        .build();
  }

  /** The image key of each hit, each segment's keys opened once and read in document order. */
  private static String[] imageKeysOf(IndexSearcher searcher, ScoreDoc[] hits) throws IOException {
    List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
    Integer[] byDoc = new Integer[hits.length];
    Arrays.setAll(byDoc, i -> i);
    Arrays.sort(byDoc, Comparator.comparingInt(i -> hits[i].doc));
    String[] keys = new String[hits.length];
    LeafReaderContext leaf = null;
    SortedDocValues leafKeys = null;
    for (int i : byDoc) {
      int doc = hits[i].doc;
      if (leaf == null || doc >= leaf.docBase + leaf.reader().maxDoc()) {
        leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
        leafKeys = leaf.reader().getSortedDocValues(F_IMAGE);
      }
      keys[i] = imageKeyOf(leafKeys, leaf, doc - leaf.docBase);
    }
    return keys;
  }

  /** The image key of {@code doc}, a document number of {@code leaf}'s segment. */
  private static String imageKeyOf(LeafReaderContext leaf, int doc) throws IOException {
    return imageKeyOf(leaf.reader().getSortedDocValues(F_IMAGE), leaf, doc);
  }

  /** As {@link #imageKeyOf(LeafReaderContext, int)} through {@code keys}, positioned before {@code doc}. */
  private static String imageKeyOf(SortedDocValues keys, LeafReaderContext leaf, int doc) throws IOException {
    if (keys == null || !keys.advanceExact(doc)) {
      throw new IllegalStateException("indexed document " + (leaf.docBase + doc) + " has no image key");
    }
    return keys.lookupOrd(keys.ordValue()).utf8ToString();
  }

  private record StoredImage(ImageRef ref, ImageMeta meta, StoredKeypoints keypoints) {}

  private static final Set<String> META_FIELDS =
      Set.of(F_TENANT, F_IMAGE_ID, F_PURPOSE, F_RIGHTS_HOLDER, F_REFERENCE_SET, F_INDEXED_AT, F_WIDTH, F_HEIGHT);
  private static final Set<String> ALL_FIELDS = union(META_FIELDS, Set.of(F_XS, F_YS, F_DESCRIPTORS, F_DESCRIPTOR_BYTES));

  /** Metadata of the images behind search hits, by image key, in one query. */
  private static Map<String, StoredImage> storedImages(IndexSearcher searcher, List<String> keys) throws IOException {
    return storedImages(searcher, keys, false);
  }

  /** The stored documents of {@code keys}, by image key, in one query; keypoints only when asked for. */
  private static Map<String, StoredImage> storedImages(IndexSearcher searcher, List<String> keys, boolean withKeypoints)
      throws IOException {
    if (keys.isEmpty()) {
      return Map.of();
    }
    Query images = new BooleanQuery.Builder()
        .add(new TermQuery(new Term(F_KIND, KIND_IMAGE)), Occur.FILTER)
        .add(new TermInSetQuery(F_IMAGE, keys.stream().map(BytesRef::new).toList()), Occur.FILTER)
        .build();
    StoredFields storedFields = searcher.storedFields();
    Map<String, StoredImage> byKey = new HashMap<>();
    ScoreDoc[] hits = searcher.search(images, keys.size()).scoreDocs;
    // in document order: neighbouring documents share a compressed block
    Arrays.sort(hits, Comparator.comparingInt(hit -> hit.doc));
    for (ScoreDoc hit : hits) {
      StoredImage image = toStoredImage(storedFields.document(hit.doc, withKeypoints ? ALL_FIELDS : META_FIELDS), withKeypoints);
      byKey.put(imageKey(image.ref()), image);
    }
    return byKey;
  }

  /** The image's stored document; keypoints only when asked for (search hits need metadata only). */
  private static StoredImage storedImage(IndexSearcher searcher, String key, boolean withKeypoints) throws IOException {
    TopDocs top = searcher.search(imageDocQuery(key), 1);
    if (top.scoreDocs.length == 0) {
      return null;
    }
    return toStoredImage(searcher.storedFields().document(top.scoreDocs[0].doc, withKeypoints ? ALL_FIELDS : META_FIELDS), withKeypoints);
  }

  private static StoredImage toStoredImage(Document doc, boolean withKeypoints) {
    ImageRef ref = new ImageRef(doc.get(F_TENANT), doc.get(F_IMAGE_ID));
    ImageMeta meta = new ImageMeta(Purpose.valueOf(doc.get(F_PURPOSE)), doc.get(F_RIGHTS_HOLDER), doc.get(F_REFERENCE_SET),
        doc.getField(F_INDEXED_AT).numericValue().longValue(),
        doc.getField(F_WIDTH).numericValue().intValue(), doc.getField(F_HEIGHT).numericValue().intValue());
    StoredKeypoints keypoints = !withKeypoints ? null
        : new StoredKeypoints(bytesToFloats(doc.getBinaryValue(F_XS)), bytesToFloats(doc.getBinaryValue(F_YS)),
            BytesRef.deepCopyOf(doc.getBinaryValue(F_DESCRIPTORS)).bytes, doc.getField(F_DESCRIPTOR_BYTES).numericValue().intValue());
    return new StoredImage(ref, meta, keypoints);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  // ---- plumbing

  @FunctionalInterface
  private interface SearcherFunction<T> {
    T apply(IndexSearcher searcher) throws IOException;
  }

  private <T> T withSearcher(SearcherFunction<T> function) {
    IndexSearcher searcher;
    try {
      searcher = searchers.acquire();
    } catch (IOException e) {
      throw new IndexUnavailableException("cannot acquire a lucene searcher", e);
    }
    try {
      return function.apply(searcher);
    } catch (IOException e) {
      throw new IndexUnavailableException("lucene search failed", e);
    } finally {
      try {
        searchers.release(searcher);
      } catch (IOException e) {
        throw new IndexUnavailableException("cannot release a lucene searcher", e);
      }
    }
  }

  private static <T> T await(Future<T> future) throws IOException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IndexUnavailableException("interrupted during a local search", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new IndexUnavailableException("local search failed", e.getCause());
    }
  }

  /** {@code <tenant length>:<tenant>/<image id>}: unambiguous whatever characters the ids hold. */
  private static String imageKey(ImageRef ref) {
    return ref.tenant().length() + ":" + ref.tenant() + "/" + ref.imageId();
  }

  /** Lucene's DOT_PRODUCT score for floats is (1 + dot) / 2. */
  private static float cosineFromDotProductScore(float score) {
    return 2 * score - 1;
  }

  static float[] unitVector(float[] vector) {
    double squares = 0;
    for (float v : vector) {
      squares += (double) v * v;
    }
    if (!(squares > 0) || Double.isInfinite(squares)) {
      throw new IllegalArgumentException("a global vector must be finite and non-zero");
    }
    float inverseNorm = (float) (1 / Math.sqrt(squares));
    float[] unit = new float[vector.length];
    for (int i = 0; i < vector.length; i++) {
      unit[i] = vector[i] * inverseNorm;
    }
    return unit;
  }

  private static Collection<BytesRef> bytesRefs(Set<String> values) {
    return values.stream().sorted(Comparator.naturalOrder()).map(BytesRef::new).collect(Collectors.toList());
  }

  private static byte[] floatsToBytes(float[] values) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    return buffer.array();
  }

  private static float[] bytesToFloats(BytesRef bytes) {
    float[] values = new float[bytes.length / Float.BYTES];
    ByteBuffer.wrap(bytes.bytes, bytes.offset, bytes.length).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
    return values;
  }

  private static void requirePositive(int value, String name) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + value);
    }
  }

  /** Lucene's default codec with the configured HNSW graph for global vectors, and flat packed local descriptors. */
  private static final class HnswCodec extends Lucene104Codec {
    private final KnnVectorsFormat globals;
    private final KnnVectorsFormat locals;

    HnswCodec(LuceneIndexConfig config, KnnVectorsFormat locals) {
      this.globals = new Lucene99HnswVectorsFormat(config.hnswMaxConn(), config.hnswBeamWidth());
      this.locals = locals;
    }

    @Override
    public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
      return F_LOCAL_VECTOR.equals(field) ? locals : globals;
    }
  }
}
