package io.doppel.matcher.index.lucene;

import static io.doppel.matcher.index.IndexSupport.GLOBAL_OVERFETCH;
import static io.doppel.matcher.index.IndexSupport.TIE_MARGIN;
import static io.doppel.matcher.index.IndexSupport.imageKey;
import static io.doppel.matcher.index.IndexSupport.imagesOfNearest;
import static io.doppel.matcher.index.IndexSupport.mostVoted;
import static io.doppel.matcher.index.IndexSupport.requirePositive;
import static io.doppel.matcher.index.IndexSupport.unitVector;

import io.doppel.matcher.index.BinaryDescriptors;
import io.doppel.matcher.index.GlobalHit;
import io.doppel.matcher.index.ImageMeta;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexSupport;
import io.doppel.matcher.index.IndexSupport.Neighbour;
import io.doppel.matcher.index.IndexUnavailableException;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.LocalVotes;
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.schemas.avro.Purpose;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
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
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.ScoreMode;
import org.apache.lucene.search.Scorer;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermInSetQuery;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.Weight;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.Bits;
import org.apache.lucene.util.BytesRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p>Writes are searchable at once and durable at the next {@link #commit()} without a segment each: the latest
 * {@code reopenAfterWrites} are searched in memory ({@link RecentWrites}) until the reader is reopened over them, and
 * the writes since the last Lucene commit are kept in a {@link WriteAheadLog} that is synced on {@link #commit()} and
 * replayed on opening. A segment, a reader reopen and a commit per upload would take most of the matcher's index time.
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
  /** When the matcher first wrote the image; absent from documents written before it was recorded (read as indexed_at). */
  private static final String F_WRITTEN_AT = "written_at";

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

  /** Scope filters whose per-segment bits are kept: a deployment has a few tenants and reference-set subscriptions. */
  private static final int SCOPES_KEPT_PER_SEGMENT = 64;

  /** The write-ahead log's file, in the index directory (Lucene leaves files of other names alone). */
  static final String WRITE_LOG_FILE = "doppel-writes.log";
  /**
   * Log size at which a Lucene commit empties it whatever the interval: bounds the log in bulk loads (about 2,500 images
   * with keypoints) and its replay to about a second, without cutting a load into more segments than Lucene's own
   * 16 MB indexing buffer does.
   */
  private static final long MAX_LOG_BYTES = 64L << 20;

  private static final Logger LOG = LoggerFactory.getLogger(LuceneVectorIndex.class);

  private final LuceneIndexConfig config;
  private final Directory directory;
  private final IndexWriter writer;
  private final SearcherManager searchers;
  private final ExecutorService localSearchPool;
  private final KeypointBuckets.PerSegment keypointBuckets;
  private final ResolvedFilter.Cache scopeBits = new ResolvedFilter.Cache(SCOPES_KEPT_PER_SEGMENT);
  private final RecentWrites recentWrites;
  /** Held while a write goes to the log and the writer, and while a commit empties the log. */
  private final Object writeLock = new Object();

  private final WriteAheadLog writeLog;
  /** Whether {@link #upsertBatch} wrote since the last {@link #refresh()}. */
  private final AtomicBoolean bulkWritesUnseen = new AtomicBoolean();
  /** When Lucene last committed ({@link System#nanoTime()}); guarded by {@link #writeLock}. */
  private long luceneCommittedAt = System.nanoTime();

  private LuceneVectorIndex(
      LuceneIndexConfig config,
      Directory directory,
      IndexWriter writer,
      SearcherManager searchers,
      KeypointBuckets.PerSegment keypointBuckets,
      WriteAheadLog writeLog) {
    this.config = config;
    this.writeLog = writeLog;
    this.recentWrites = new RecentWrites(config.localVotingKeypoints());
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
      KeypointBuckets.PerSegment keypointBuckets =
          new KeypointBuckets.PerSegment(F_LOCAL_VECTOR, F_IMAGE);
      // a merged segment's buckets are built by the merge thread, not by the first search that
      // meets it
      IndexWriterConfig writerConfig = new IndexWriterConfig()
          .setCodec(new HnswCodec(config, localFormat))
          .setMergedSegmentWarmer(keypointBuckets::of);
      IndexWriter writer = new IndexWriter(directory, writerConfig);
      WriteAheadLog writeLog = replayWriteLog(config, writer);
      return new LuceneVectorIndex(
          config, directory, writer, new SearcherManager(writer, null), keypointBuckets, writeLog);
    } catch (IOException e) {
      throw new IndexUnavailableException(
          "cannot open the lucene index at " + config.indexDirectory(), e);
    }
  }

  /**
   * The writes a crash left in the log, applied and committed before the index serves; returns the log, emptied. Writes
   * are idempotent, so a write that the last Lucene commit already held is applied again harmlessly.
   */
  private static WriteAheadLog replayWriteLog(LuceneIndexConfig config, IndexWriter writer)
      throws IOException {
    Path file = config.indexDirectory().resolve(WRITE_LOG_FILE);
    List<WriteAheadLog.Entry> logged = WriteAheadLog.read(file);
    for (WriteAheadLog.Entry entry : logged) {
      Term term = new Term(F_IMAGE, imageKey(entry.ref()));
      try {
        if (entry.image() == null) {
          writer.deleteDocuments(term);
        } else {
          writer.updateDocuments(term, documentsOf(entry.image(), config.localVotingKeypoints()));
        }
      } catch (IllegalArgumentException unstorable) {
        // Only a log written before ids were checked holds such a write, and it failed when first
        // made (its upload was
        // dead-lettered): skipping it loses nothing committed, and the index still opens.
        LOG.error(
            "lucene index {}: skipping a logged write of {} that the index cannot hold: {}",
            config.indexDirectory(),
            IndexSupport.imageKey(entry.ref()).length() > 200 ? "an image" : entry.ref(),
            unstorable.getMessage());
      }
    }
    if (!logged.isEmpty()) {
      writer.commit();
      LOG.info(
          "lucene index {}: replayed {} writes from the write-ahead log",
          config.indexDirectory(),
          logged.size());
    }
    WriteAheadLog writeLog = WriteAheadLog.open(file);
    writeLog.clear();
    return writeLog;
  }

  /** Searchable at once: in memory until the reader is reopened over it. */
  @Override
  public void upsert(IndexedImage image) {
    List<Document> block = documentsOf(image, config.localVotingKeypoints());
    String key = imageKey(image.ref());
    synchronized (writeLock) {
      write(image, key, block);
      recentWrites.upserted(key, image);
      commitIfLogFull();
    }
    reopenIfManyRecent();
  }

  /**
   * A bulk load (a re-index, a benchmark): searchable after {@link #refresh()}, which reopens the reader once for the
   * whole load; a reopen per batch would cut the load into a segment per batch. Durable at {@link #commit()} as any write.
   */
  @Override
  public void upsertBatch(List<IndexedImage> images) {
    if (images.stream().map(IndexedImage::ref).distinct().count() < images.size()) {
      throw new IllegalArgumentException("an image appears twice in one batch");
    }
    List<List<Document>> blocks = new ArrayList<>(images.size());
    for (IndexedImage image : images) {
      blocks.add(documentsOf(image, config.localVotingKeypoints()));
    }
    synchronized (writeLock) {
      for (int i = 0; i < images.size(); i++) {
        String key = imageKey(images.get(i).ref());
        write(images.get(i), key, blocks.get(i));
        // an older version kept in memory must not hide this one once the reader is reopened
        recentWrites.forget(key);
        commitIfLogFull();
      }
      bulkWritesUnseen.set(true);
    }
  }

  /** Logs and writes one image; under the write lock. */
  private void write(IndexedImage image, String key, List<Document> block) {
    try {
      writeLog.appendUpsert(image);
      writer.updateDocuments(new Term(F_IMAGE, key), block);
    } catch (IOException e) {
      throw new IndexUnavailableException("lucene write failed for " + image.ref(), e);
    }
  }

  /** The documents of one image: its image document, one per global vector, one per voting keypoint. */
  private static List<Document> documentsOf(IndexedImage image, int votingKeypoints) {
    IndexSupport.requireStorable(image);
    BinaryDescriptors.requireKeypoints(image.keypoints());
    if (image.globals().isEmpty()) {
      throw new IllegalArgumentException("image " + image.ref() + " has no global vector");
    }
    String key = imageKey(image.ref());
    List<Document> block =
        new ArrayList<>(1 + image.globals().size() + image.keypoints().size());
    block.add(imageDocument(key, image));
    for (float[] global : image.globals()) {
      Document doc = scopedDocument(key, KIND_GLOBAL, image);
      doc.add(new KnnFloatVectorField(
          F_GLOBAL_VECTOR, unitVector(global), VectorSimilarityFunction.DOT_PRODUCT));
      block.add(doc);
    }
    StoredKeypoints keypoints = image.keypoints();
    for (int i = 0; i < Math.min(keypoints.size(), votingKeypoints); i++) {
      Document doc = scopedDocument(key, KIND_LOCAL, image);
      byte[] descriptor = Arrays.copyOfRange(
          keypoints.descriptors(), i * BinaryDescriptors.BYTES, (i + 1) * BinaryDescriptors.BYTES);
      // the similarity is recorded but unused: KeypointBuckets compares these by Hamming distance
      doc.add(
          new KnnByteVectorField(F_LOCAL_VECTOR, descriptor, VectorSimilarityFunction.EUCLIDEAN));
      block.add(doc);
    }
    return block;
  }

  @Override
  public void delete(ImageRef image) {
    IndexSupport.requireStorable(image);
    String key = imageKey(image);
    synchronized (writeLock) {
      try {
        writeLog.appendDelete(image);
        writer.deleteDocuments(new Term(F_IMAGE, key));
      } catch (IOException e) {
        throw new IndexUnavailableException("lucene delete failed for " + image, e);
      }
      recentWrites.deleted(key);
      commitIfLogFull();
    }
    reopenIfManyRecent();
  }

  /** Reopens the reader once enough writes are searched in memory; a no-op otherwise. */
  private void reopenIfManyRecent() {
    if (recentWrites.size() >= config.reopenAfterWrites()) {
      reopen();
    }
  }

  /** Reopens the reader over every write so far and forgets those from the recent writes. */
  private void reopen() {
    long upTo = recentWrites.lastSequence();
    try {
      searchers.maybeRefreshBlocking();
    } catch (IOException e) {
      throw new IndexUnavailableException("lucene refresh failed", e);
    }
    recentWrites.dropUpTo(upTo);
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
    List<float[]> targets = queries.stream().map(IndexSupport::unitVector).toList();
    if (scope.isEmpty()) {
      return targets.stream().map(target -> List.<GlobalHit>of()).toList();
    }
    RecentWrites.Snapshot recent = recentWrites.snapshot();
    return withSearcher(searcher -> {
      Query filter = resolvedScope(searcher, KIND_GLOBAL, scope, recent).asQuery();
      List<Map<String, Float>> nearestPerQuery = new ArrayList<>(targets.size());
      Set<String> found = new HashSet<>();
      for (float[] target : targets) {
        Map<String, Float> nearest = withRecent(
            nearestImages(searcher, target, k, filter), recent.similarities(target, scope), k);
        nearestPerQuery.add(nearest);
        found.addAll(nearest.keySet());
      }
      Map<String, StoredImage> stored = storedImages(searcher, recent, found);
      List<List<GlobalHit>> hitsPerQuery = new ArrayList<>(targets.size());
      for (Map<String, Float> nearest : nearestPerQuery) {
        List<GlobalHit> hits = new ArrayList<>(nearest.size());
        nearest.forEach((key, similarity) ->
            hits.add(new GlobalHit(stored.get(key).ref(), stored.get(key).meta(), similarity)));
        hitsPerQuery.add(hits);
      }
      return hitsPerQuery;
    });
  }

  /** The {@code k} most similar of Lucene's nearest images and the recent writes', most similar first. */
  private static Map<String, Float> withRecent(
      Map<String, Float> nearest, Map<IndexedImage, Float> recent, int k) {
    if (recent.isEmpty()) {
      return nearest;
    }
    Map<String, Float> all = new HashMap<>(nearest);
    recent.forEach((image, similarity) -> all.put(imageKey(image.ref()), similarity));
    Map<String, Float> best = new LinkedHashMap<>();
    all.entrySet().stream()
        .sorted(Map.Entry.<String, Float>comparingByValue()
            .reversed()
            .thenComparing(Map.Entry.comparingByKey()))
        .limit(k)
        .forEach(entry -> best.put(entry.getKey(), entry.getValue()));
    return best;
  }

  /** The {@code k} images nearest to {@code target} within {@code filter}, by image key, nearest first, with their cosine. */
  private static Map<String, Float> nearestImages(
      IndexSearcher searcher, float[] target, int k, Query filter) throws IOException {
    int fetch = k * GLOBAL_OVERFETCH;
    while (true) {
      ScoreDoc[] hits = searcher.search(
              new KnnFloatVectorQuery(F_GLOBAL_VECTOR, target, fetch, filter), fetch)
          .scoreDocs;
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
  public List<LocalVotes> searchLocal(
      List<byte[]> descriptors, int neighbours, int maxHamming, int maxImages, Scope scope) {
    requirePositive(neighbours, "neighbours");
    requirePositive(maxImages, "maxImages");
    descriptors.forEach(BinaryDescriptors::requireDescriptor);
    if (scope.isEmpty() || descriptors.isEmpty()) {
      return List.of();
    }
    RecentWrites.Snapshot recent = recentWrites.snapshot();
    return withSearcher(searcher -> {
      ResolvedFilter filter = resolvedScope(searcher, KIND_LOCAL, scope, recent);
      List<LeafReaderContext> leaves = searcher.getIndexReader().leaves();
      List<KeypointBuckets> buckets = new ArrayList<>(leaves.size());
      List<Bits> accepted = new ArrayList<>(leaves.size());
      for (LeafReaderContext leaf : leaves) {
        buckets.add(keypointBuckets.of(leaf.reader()));
        accepted.add(filter.acceptedDocs(leaf));
      }
      // the recent writes are searched as one more segment, after the reader's
      buckets.add(recent.buckets());
      accepted.add(recent.acceptedDescriptors(scope));
      List<Future<Set<String>>> perDescriptor = new ArrayList<>(descriptors.size());
      for (byte[] descriptor : descriptors) {
        perDescriptor.add(localSearchPool.submit(() ->
            imagesNear(leaves, recent, buckets, accepted, descriptor, neighbours, maxHamming)));
      }
      Map<String, Integer> votes = new HashMap<>();
      for (Future<Set<String>> images : perDescriptor) {
        for (String key : await(images)) {
          votes.merge(key, 1, Integer::sum);
        }
      }
      List<Map.Entry<String, Integer>> ranked = mostVoted(votes, maxImages);
      Map<String, StoredImage> stored =
          storedImages(searcher, recent, ranked.stream().map(Map.Entry::getKey).toList());
      List<LocalVotes> result = new ArrayList<>(ranked.size());
      for (Map.Entry<String, Integer> entry : ranked) {
        StoredImage image = stored.get(entry.getKey());
        result.add(new LocalVotes(image.ref(), image.meta(), entry.getValue()));
      }
      return result;
    });
  }

  /**
   * {@code scope} over the documents of {@code kind}, its bits kept per segment unless it is bounded in time; without
   * the images of the {@code recent} writes, which are searched in memory.
   */
  private ResolvedFilter resolvedScope(
      IndexSearcher searcher, String kind, Scope scope, RecentWrites.Snapshot recent)
      throws IOException {
    // the query image is excluded per document, so that the scope's bits stay the same for every
    // query of a tenant
    Set<String> excludedKeys = new HashSet<>(recent.keys());
    if (scope.exclude() != null) {
      excludedKeys.add(imageKey(scope.exclude()));
    }
    Query excluded =
        excludedKeys.isEmpty() ? null : new TermInSetQuery(F_IMAGE, bytesRefs(excludedKeys));
    // a time-bounded scope (a retro-scan's window, a replay's writes) is rarely asked twice: not
    // worth keeping
    return ResolvedFilter.resolve(
        searcher,
        scopeFilter(kind, scope),
        excluded,
        scope.boundedInTime() || scope.boundedInWrites() ? null : scopeBits);
  }

  /**
   * The images having one of the {@code neighbours} nearest descriptors found within {@code maxHamming}: one vote each.
   * {@code buckets} and {@code accepted} hold one entry per leaf, then one for the {@code recent} writes.
   */
  private static Set<String> imagesNear(
      List<LeafReaderContext> leaves,
      RecentWrites.Snapshot recent,
      List<KeypointBuckets> buckets,
      List<Bits> accepted,
      byte[] descriptor,
      int neighbours,
      int maxHamming)
      throws IOException {
    KeypointBuckets.NearestDescriptors nearest =
        new KeypointBuckets.NearestDescriptors(neighbours + TIE_MARGIN);
    for (int segment = 0; segment < buckets.size(); segment++) {
      if (accepted.get(segment) != null) {
        buckets
            .get(segment)
            .collect(descriptor, maxHamming, accepted.get(segment), segment, nearest);
      }
    }
    List<Neighbour> found = new ArrayList<>(nearest.size());
    for (int i = 0; i < nearest.size(); i++) {
      int segment = nearest.segment(i);
      found.add(new Neighbour(
          nearest.hamming(i),
          segment < leaves.size()
              ? buckets.get(segment).imageKeyOfDoc(nearest.doc(i))
              : imageKey(recent.imageOfDescriptor(nearest.doc(i)).ref())));
    }
    return imagesOfNearest(found, neighbours);
  }

  @Override
  public StoredKeypoints keypoints(ImageRef image) {
    RecentWrites.Snapshot recent = recentWrites.snapshot();
    if (recent.has(imageKey(image))) {
      IndexedImage written = recent.image(imageKey(image));
      return written == null ? StoredKeypoints.EMPTY : written.keypoints();
    }
    return withSearcher(searcher -> {
      StoredImage stored = storedImage(searcher, imageKey(image), true);
      return stored == null ? StoredKeypoints.EMPTY : stored.keypoints();
    });
  }

  /** One query for every image's document, instead of one search per image. */
  @Override
  public Map<ImageRef, StoredKeypoints> keypointsBatch(Collection<ImageRef> images) {
    List<ImageRef> distinct = images.stream().distinct().toList();
    RecentWrites.Snapshot recent = recentWrites.snapshot();
    Map<String, StoredImage> stored = withSearcher(searcher -> storedImages(
        searcher, recent, distinct.stream().map(IndexSupport::imageKey).toList(), true));
    Map<ImageRef, StoredKeypoints> keypoints = new LinkedHashMap<>();
    for (ImageRef image : distinct) {
      StoredImage found = stored.get(imageKey(image));
      keypoints.put(image, found == null ? StoredKeypoints.EMPTY : found.keypoints());
    }
    return keypoints;
  }

  /** The recent writes' vectors from memory, the others read from the vector values of one query's documents. */
  @Override
  public Map<ImageRef, List<float[]>> globalVectors(Collection<ImageRef> images) {
    List<ImageRef> distinct = images.stream().distinct().toList();
    RecentWrites.Snapshot recent = recentWrites.snapshot();
    Map<String, List<float[]>> byKey = new HashMap<>();
    List<String> inLucene = new ArrayList<>();
    for (ImageRef image : distinct) {
      String key = imageKey(image);
      if (!recent.has(key)) {
        inLucene.add(key);
      } else if (recent.image(key) != null) {
        byKey.put(
            key,
            recent.image(key).globals().stream().map(IndexSupport::unitVector).toList());
      }
    }
    if (!inLucene.isEmpty()) {
      byKey.putAll(withSearcher(searcher -> storedGlobalVectors(searcher, inLucene)));
    }
    Map<ImageRef, List<float[]>> vectors = new LinkedHashMap<>();
    for (ImageRef image : distinct) {
      vectors.put(image, List.copyOf(byKey.getOrDefault(imageKey(image), List.of())));
    }
    return vectors;
  }

  /** The vectors of the global documents of {@code keys}, by image key, walked per segment in document order. */
  private static Map<String, List<float[]>> storedGlobalVectors(
      IndexSearcher searcher, List<String> keys) throws IOException {
    Query globals = new BooleanQuery.Builder()
        .add(new TermQuery(new Term(F_KIND, KIND_GLOBAL)), Occur.FILTER)
        .add(new TermInSetQuery(F_IMAGE, keys.stream().map(BytesRef::new).toList()), Occur.FILTER)
        .build();
    Weight weight =
        searcher.createWeight(searcher.rewrite(globals), ScoreMode.COMPLETE_NO_SCORES, 1f);
    Map<String, List<float[]>> byKey = new HashMap<>();
    for (LeafReaderContext leaf : searcher.getIndexReader().leaves()) {
      Scorer scorer = weight.scorer(leaf);
      FloatVectorValues values = leaf.reader().getFloatVectorValues(F_GLOBAL_VECTOR);
      if (scorer == null || values == null) {
        continue;
      }
      SortedDocValues leafKeys = leaf.reader().getSortedDocValues(F_IMAGE);
      // a scorer also matches deleted documents: an image's replaced vectors until their segment
      // merges
      Bits live = leaf.reader().getLiveDocs();
      KnnVectorValues.DocIndexIterator withVector = values.iterator();
      DocIdSetIterator matching = scorer.iterator();
      for (int doc = matching.nextDoc();
          doc != DocIdSetIterator.NO_MORE_DOCS;
          doc = matching.nextDoc()) {
        if (live != null && !live.get(doc)) {
          continue;
        }
        int withVectorAt = withVector.docID() < doc ? withVector.advance(doc) : withVector.docID();
        if (withVectorAt != doc) {
          throw new IllegalStateException(
              "global document " + (leaf.docBase + doc) + " has no vector");
        }
        byKey
            .computeIfAbsent(imageKeyOf(leafKeys, leaf, doc), key -> new ArrayList<>())
            .add(values.vectorValue(withVector.index()).clone());
      }
    }
    return byKey;
  }

  @Override
  public Optional<ImageMeta> meta(ImageRef image) {
    String key = imageKey(image);
    RecentWrites.Snapshot recent = recentWrites.snapshot();
    if (recent.has(key)) {
      return Optional.ofNullable(recent.image(key)).map(IndexedImage::meta);
    }
    return withSearcher(
        searcher -> Optional.ofNullable(storedImage(searcher, key, false)).map(StoredImage::meta));
  }

  @Override
  public boolean contains(ImageRef image) {
    RecentWrites.Snapshot recent = recentWrites.snapshot();
    if (recent.has(imageKey(image))) {
      return recent.image(imageKey(image)) != null;
    }
    return withSearcher(searcher -> searcher.count(imageDocQuery(imageKey(image))) > 0);
  }

  /** Reopens the reader over bulk writes ({@link #upsertBatch}); every other write is searchable once written. */
  @Override
  public void refresh() {
    if (bulkWritesUnseen.getAndSet(false)) {
      reopen();
    }
  }

  /**
   * Makes every prior write durable: syncs the write-ahead log, and commits Lucene (emptying the log) when the last
   * Lucene commit is {@code commitInterval} old.
   */
  @Override
  public void commit() {
    synchronized (writeLock) {
      try {
        writeLog.sync();
        if (System.nanoTime() - luceneCommittedAt >= config.commitInterval().toNanos()) {
          commitLucene();
        }
      } catch (IOException e) {
        throw new IndexUnavailableException("lucene commit failed", e);
      }
    }
  }

  /** A Lucene commit once the log holds {@link #MAX_LOG_BYTES}; under the write lock. */
  private void commitIfLogFull() {
    if (writeLog.bytes() >= MAX_LOG_BYTES) {
      try {
        commitLucene();
      } catch (IOException e) {
        throw new IndexUnavailableException("lucene commit failed", e);
      }
    }
  }

  /** Commits every write to Lucene's files and empties the log; under the write lock. */
  private void commitLucene() throws IOException {
    if (writer.hasUncommittedChanges()) {
      writer.commit();
    }
    writeLog.clear();
    luceneCommittedAt = System.nanoTime();
  }

  /** Commits every write to Lucene's segments now, whatever the interval, emptying the log; for size measurements. */
  public void commitSegments() {
    synchronized (writeLock) {
      try {
        commitLucene();
      } catch (IOException e) {
        throw new IndexUnavailableException("lucene commit failed", e);
      }
    }
  }

  @Override
  public OptionalLong committedBytesOnDisk() {
    commitSegments();
    return OptionalLong.of(sizeOnDiskBytes());
  }

  /** Bytes of the index on disk: its segments and the write-ahead log (see {@link #commitSegments()}). */
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

  /** Merges the index to one segment, as a long-lived index converges to, and commits it; for size measurements. */
  public void forceMerge() {
    try {
      writer.forceMerge(1);
      commitSegments();
      reopen();
    } catch (IOException e) {
      throw new IndexUnavailableException("lucene force-merge failed", e);
    }
  }

  @Override
  public void close() {
    localSearchPool.shutdownNow();
    try (directory;
        writer;
        searchers;
        writeLog) {
      synchronized (writeLock) {
        commitLucene();
      }
    } catch (IOException e) {
      throw new IndexUnavailableException("closing the lucene index failed", e);
    }
  }

  /** Ends this index as a crash would: Lucene's uncommitted changes are lost, the log stays as written. For tests. */
  void crash() {
    localSearchPool.shutdownNow();
    try (directory;
        searchers;
        writeLog) {
      writer.rollback();
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
    doc.add(new StoredField(F_WRITTEN_AT, image.writtenAtMillis()));
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
    doc.add(new LongPoint(F_WRITTEN_AT, image.writtenAtMillis()));
    return doc;
  }

  // ---- queries

  /**
   * Scope as a Lucene filter: (own uploads OR subscribed references) AND indexed since AND NOT written at or after the
   * write bound (so that documents without a write time, written before it was recorded, are admitted); the query image
   * is excluded apart.
   */
  private static Query scopeFilter(String kind, Scope scope) {
    BooleanQuery.Builder admitted = new BooleanQuery.Builder().setMinimumNumberShouldMatch(1);
    if (!scope.uploadTenants().isEmpty()) {
      admitted.add(
          new BooleanQuery.Builder()
              .add(new TermQuery(new Term(F_PURPOSE, Purpose.UPLOAD.name())), Occur.FILTER)
              .add(new TermInSetQuery(F_TENANT, bytesRefs(scope.uploadTenants())), Occur.FILTER)
              .build(),
          Occur.SHOULD);
    }
    if (!scope.referenceSets().isEmpty()) {
      admitted.add(
          new BooleanQuery.Builder()
              .add(new TermQuery(new Term(F_PURPOSE, Purpose.REFERENCE.name())), Occur.FILTER)
              .add(
                  new TermInSetQuery(F_REFERENCE_SET, bytesRefs(scope.referenceSets())),
                  Occur.FILTER)
              .build(),
          Occur.SHOULD);
    }
    BooleanQuery.Builder filter = new BooleanQuery.Builder()
        .add(new TermQuery(new Term(F_KIND, kind)), Occur.FILTER)
        .add(admitted.build(), Occur.FILTER)
        .add(
            LongPoint.newRangeQuery(F_INDEXED_AT, scope.indexedSinceMillis(), Long.MAX_VALUE),
            Occur.FILTER);
    if (scope.boundedInWrites()) {
      filter.add(
          LongPoint.newRangeQuery(F_WRITTEN_AT, scope.writtenBeforeMillis(), Long.MAX_VALUE),
          Occur.MUST_NOT);
    }
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
  /** The image key of document {@code doc} of {@code leaf}, read through {@code keys}, positioned before it. */
  private static String imageKeyOf(SortedDocValues keys, LeafReaderContext leaf, int doc)
      throws IOException {
    if (keys == null || !keys.advanceExact(doc)) {
      throw new IllegalStateException(
          "indexed document " + (leaf.docBase + doc) + " has no image key");
    }
    return keys.lookupOrd(keys.ordValue()).utf8ToString();
  }

  private record StoredImage(ImageRef ref, ImageMeta meta, StoredKeypoints keypoints) {}

  private static final Set<String> META_FIELDS = Set.of(
      F_TENANT,
      F_IMAGE_ID,
      F_PURPOSE,
      F_RIGHTS_HOLDER,
      F_REFERENCE_SET,
      F_INDEXED_AT,
      F_WRITTEN_AT,
      F_WIDTH,
      F_HEIGHT);
  private static final Set<String> ALL_FIELDS =
      union(META_FIELDS, Set.of(F_XS, F_YS, F_DESCRIPTORS, F_DESCRIPTOR_BYTES));

  /** Metadata of the images behind search hits, by image key: the recent writes' from memory, the others in one query. */
  private static Map<String, StoredImage> storedImages(
      IndexSearcher searcher, RecentWrites.Snapshot recent, Collection<String> keys)
      throws IOException {
    return storedImages(searcher, recent, keys, false);
  }

  /** As {@link #storedImages(IndexSearcher, RecentWrites.Snapshot, Collection)}, with keypoints when asked for. */
  private static Map<String, StoredImage> storedImages(
      IndexSearcher searcher,
      RecentWrites.Snapshot recent,
      Collection<String> keys,
      boolean withKeypoints)
      throws IOException {
    Map<String, StoredImage> byKey = new HashMap<>();
    List<String> inLucene = new ArrayList<>(keys.size());
    for (String key : keys) {
      if (!recent.has(key)) {
        inLucene.add(key);
      } else if (recent.image(key) != null) {
        IndexedImage image = recent.image(key);
        byKey.put(key, new StoredImage(image.ref(), image.meta(), image.keypoints()));
      }
    }
    byKey.putAll(storedImages(searcher, inLucene, withKeypoints));
    return byKey;
  }

  /** The stored documents of {@code keys}, by image key, in one query; keypoints only when asked for. */
  private static Map<String, StoredImage> storedImages(
      IndexSearcher searcher, List<String> keys, boolean withKeypoints) throws IOException {
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
      StoredImage image = toStoredImage(
          storedFields.document(hit.doc, withKeypoints ? ALL_FIELDS : META_FIELDS), withKeypoints);
      byKey.put(imageKey(image.ref()), image);
    }
    return byKey;
  }

  /** The image's stored document; keypoints only when asked for (search hits need metadata only). */
  private static StoredImage storedImage(IndexSearcher searcher, String key, boolean withKeypoints)
      throws IOException {
    TopDocs top = searcher.search(imageDocQuery(key), 1);
    if (top.scoreDocs.length == 0) {
      return null;
    }
    return toStoredImage(
        searcher
            .storedFields()
            .document(top.scoreDocs[0].doc, withKeypoints ? ALL_FIELDS : META_FIELDS),
        withKeypoints);
  }

  private static StoredImage toStoredImage(Document doc, boolean withKeypoints) {
    ImageRef ref = new ImageRef(doc.get(F_TENANT), doc.get(F_IMAGE_ID));
    long indexedAt = doc.getField(F_INDEXED_AT).numericValue().longValue();
    var writtenAt = doc.getField(F_WRITTEN_AT);
    ImageMeta meta = new ImageMeta(
        Purpose.valueOf(doc.get(F_PURPOSE)),
        doc.get(F_RIGHTS_HOLDER),
        doc.get(F_REFERENCE_SET),
        indexedAt,
        doc.getField(F_WIDTH).numericValue().intValue(),
        doc.getField(F_HEIGHT).numericValue().intValue(),
        writtenAt == null ? indexedAt : writtenAt.numericValue().longValue());
    StoredKeypoints keypoints = !withKeypoints
        ? null
        : new StoredKeypoints(
            bytesToFloats(doc.getBinaryValue(F_XS)),
            bytesToFloats(doc.getBinaryValue(F_YS)),
            BytesRef.deepCopyOf(doc.getBinaryValue(F_DESCRIPTORS)).bytes,
            doc.getField(F_DESCRIPTOR_BYTES).numericValue().intValue());
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
    T result;
    try {
      result = function.apply(searcher);
    } catch (IOException e) {
      throw releasedAfter(searcher, new IndexUnavailableException("lucene search failed", e));
    } catch (RuntimeException e) {
      throw releasedAfter(searcher, e);
    } catch (Error e) {
      throw releasedAfter(searcher, e);
    }
    try {
      searchers.release(searcher);
    } catch (IOException e) {
      throw new IndexUnavailableException("cannot release a lucene searcher", e);
    }
    return result;
  }

  /** Releases the searcher after a failed search: the search's failure is the one thrown, a release failure rides along. */
  private <X extends Throwable> X releasedAfter(IndexSearcher searcher, X failure) {
    try {
      searchers.release(searcher);
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
    }
    return failure;
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

  /** Lucene's DOT_PRODUCT score for floats is (1 + dot) / 2. */
  private static float cosineFromDotProductScore(float score) {
    return 2 * score - 1;
  }

  private static Collection<BytesRef> bytesRefs(Set<String> values) {
    return values.stream()
        .sorted(Comparator.naturalOrder())
        .map(BytesRef::new)
        .collect(Collectors.toList());
  }

  private static byte[] floatsToBytes(float[] values) {
    ByteBuffer buffer =
        ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    return buffer.array();
  }

  private static float[] bytesToFloats(BytesRef bytes) {
    float[] values = new float[bytes.length / Float.BYTES];
    ByteBuffer.wrap(bytes.bytes, bytes.offset, bytes.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer()
        .get(values);
    return values;
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
