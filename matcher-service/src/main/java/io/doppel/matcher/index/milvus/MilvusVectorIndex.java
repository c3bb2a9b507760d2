package io.doppel.matcher.index.milvus;

import static io.doppel.matcher.index.IndexSupport.GLOBAL_OVERFETCH;
import static io.doppel.matcher.index.IndexSupport.TIE_MARGIN;
import static io.doppel.matcher.index.IndexSupport.imageKey;
import static io.doppel.matcher.index.IndexSupport.imagesOfNearest;
import static io.doppel.matcher.index.IndexSupport.mostVoted;
import static io.doppel.matcher.index.IndexSupport.requirePositive;
import static io.doppel.matcher.index.IndexSupport.unitVector;
import static io.doppel.matcher.index.milvus.FilterExpressions.equalTo;
import static io.doppel.matcher.index.milvus.FilterExpressions.in;
import static io.doppel.matcher.index.milvus.FilterExpressions.notEqualTo;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
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
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.milvus.v2.client.ConnectConfig;
import io.milvus.v2.client.MilvusClientV2;
import io.milvus.v2.common.ConsistencyLevel;
import io.milvus.v2.common.DataType;
import io.milvus.v2.common.IndexParam;
import io.milvus.v2.exception.ErrorCode;
import io.milvus.v2.exception.MilvusClientException;
import io.milvus.v2.service.collection.request.AddFieldReq;
import io.milvus.v2.service.collection.request.CreateCollectionReq;
import io.milvus.v2.service.collection.request.DescribeCollectionReq;
import io.milvus.v2.service.collection.request.HasCollectionReq;
import io.milvus.v2.service.collection.request.LoadCollectionReq;
import io.milvus.v2.service.collection.response.DescribeCollectionResp;
import io.milvus.v2.service.index.request.DescribeIndexReq;
import io.milvus.v2.service.index.response.DescribeIndexResp;
import io.milvus.v2.service.utility.request.FlushReq;
import io.milvus.v2.service.vector.request.DeleteReq;
import io.milvus.v2.service.vector.request.InsertReq;
import io.milvus.v2.service.vector.request.QueryReq;
import io.milvus.v2.service.vector.request.SearchReq;
import io.milvus.v2.service.vector.request.data.BaseVector;
import io.milvus.v2.service.vector.request.data.BinaryVec;
import io.milvus.v2.service.vector.request.data.FloatVec;
import io.milvus.v2.service.vector.response.QueryResp;
import io.milvus.v2.service.vector.response.SearchResp;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link VectorIndex}: two Milvus collections per schema version and model.
 *
 * <ul>
 *   <li>global: one row per global vector (pk {@code <image key>#<n>}), FloatVector, inner product
 *       on L2-normalised vectors (cosine);
 *   <li>local: one row per keypoint (pk {@code <image key>#<k>}), BinaryVector 256 with HAMMING,
 *       its x/y and index, so {@code keypoints(ref)} is a query.
 * </ul>
 *
 * Both carry the tenant (partition key), image id, purpose, reference set, rights holder, indexed-at
 * time and image size as scalar fields; every filter is built by {@link FilterExpressions}. Writes
 * delete the image's rows first where it has any, then insert (keyed rows, so a replay replaces them
 * and one with fewer keypoints leaves nothing stale); insert rather than Milvus upsert, because Milvus 2.3's
 * upsert stores partition-key rows where partition-key filters never find them. Reads ask for
 * Strong consistency, so a search sees every acknowledged write. Each call runs through a bulkhead,
 * a circuit breaker and retries with jittered exponential backoff under the client's own deadline;
 * the SDK's own retries are off, since Milvus stores a primary key inserted twice as two rows.
 */
public final class MilvusVectorIndex implements VectorIndex {

  private static final Logger LOG = LoggerFactory.getLogger(MilvusVectorIndex.class);

  private static final String PK = "pk";
  private static final String IMAGE_KEY = "image_key";
  private static final String TENANT = "tenant";
  private static final String IMAGE_ID = "image_id";
  private static final String PURPOSE = "purpose";
  private static final String REFERENCE_SET = "reference_set";
  private static final String RIGHTS_HOLDER = "rights_holder";
  private static final String INDEXED_AT = "indexed_at";
  /**
   * When the matcher first wrote the image. Collections created before it was recorded lack the column: on them the
   * index writes and reads without it, and a replayed record's searches are not bounded by it (logged at start-up).
   */
  private static final String WRITTEN_AT = "written_at";

  private static final String WIDTH = "width";
  private static final String HEIGHT = "height";
  private static final String VECTOR = "vector";
  private static final String KEYPOINT_INDEX = "kp_index";
  private static final String X = "x";
  private static final String Y = "y";
  private static final String DESCRIPTOR = "descriptor";

  private static final List<String> META_FIELDS_WITHOUT_WRITES = List.of(
      IMAGE_KEY,
      TENANT,
      IMAGE_ID,
      PURPOSE,
      REFERENCE_SET,
      RIGHTS_HOLDER,
      INDEXED_AT,
      WIDTH,
      HEIGHT);

  /** Milvus VarChar limits (bytes); ids and names longer than this are rejected before they reach the server. */
  private static final int MAX_ID_LENGTH = IndexSupport.MAX_NAME_BYTES;
  /** Tenant, image id and the key's length prefix and separators. */
  private static final int MAX_KEY_LENGTH = 2 * MAX_ID_LENGTH + 16;

  private static final int MAX_PURPOSE_LENGTH = 16;
  /** Milvus' cap on topK and on nq × topK of one search, and on rows of one query. */
  private static final int MAX_RESULT_WINDOW = 16_384;
  /** Images whose keypoints one query fetches: 32 × 500 keypoints stays within one result window. */
  private static final int KEYPOINT_IMAGES_PER_QUERY = 32;

  private static final int HNSW_M = 16;
  private static final Duration INDEX_POLL = Duration.ofSeconds(1);
  private static final int HNSW_EF_CONSTRUCTION = 200;
  private static final int HNSW_EF_MIN = 64;
  private static final int PARAMETER_ERROR_FAMILY = 100;
  private static final int INVALID_PARAMETER_CODES = 11;
  /** How Milvus 2.3, which has no error code for them, words the refusals of a malformed request. */
  private static final List<String> REFUSAL_MESSAGES =
      List.of("cannot parse expression", "should be in range");

  private static final double RETRY_BACKOFF_MULTIPLIER = 2.0;
  private static final double RETRY_JITTER = 0.5;
  /** Readers ask for every write acknowledged before the request. */
  private static final ConsistencyLevel READ_CONSISTENCY = ConsistencyLevel.STRONG;
  /** One: the SDK sends each request once; retries are this class's. */
  private static final int SDK_ATTEMPTS_PER_CALL = 1;
  /** Image keys a repeated write names in its log line. */
  private static final int LOGGED_KEYS = 5;

  private final MilvusIndexConfig config;
  private final Retry retry;
  private final CircuitBreaker breaker;
  private final Bulkhead bulkhead;
  private final MilvusClientV2 client;
  /** Whether both collections have the {@value #WRITTEN_AT} column (set once at open). */
  private volatile boolean writesRecorded = true;

  private MilvusVectorIndex(MilvusIndexConfig config) {
    this.config = config;
    String name = "milvus-" + config.model().qualifiedName("index");
    this.retry = Retry.of(
        name,
        RetryConfig.custom()
            .maxAttempts(config.maxAttempts())
            .intervalFunction(IntervalFunction.ofExponentialRandomBackoff(
                config.retryBackoff(), RETRY_BACKOFF_MULTIPLIER, RETRY_JITTER))
            .retryOnException(MilvusVectorIndex::isTransient)
            .build());
    this.breaker = CircuitBreaker.of(
        name,
        CircuitBreakerConfig.custom()
            .ignoreExceptions(IllegalArgumentException.class)
            .build());
    this.bulkhead = Bulkhead.of(
        name,
        BulkheadConfig.custom()
            .maxConcurrentCalls(config.maxConcurrentCalls())
            .maxWaitDuration(config.requestTimeout())
            .build());
    ConnectConfig.ConnectConfigBuilder connect = ConnectConfig.builder()
        .uri(config.uri())
        .connectTimeoutMs(config.requestTimeout().toMillis())
        .rpcDeadlineMs(config.requestTimeout().toMillis());
    if (config.token() != null) {
      connect.token(config.token());
    }
    if (config.databaseName() != null) {
      connect.dbName(config.databaseName());
    }
    ConnectConfig connectConfig = connect.build();
    this.client = call("connect to " + config.uri(), () -> new MilvusClientV2(connectConfig));
    // The SDK would send a failed insert again on its own; an insert that landed before its answer
    // was lost would
    // then be stored twice. Every retry is this class's, which repeats delete-then-insert.
    client.retryConfig(io.milvus.v2.client.RetryConfig.builder()
        .maxRetryTimes(SDK_ATTEMPTS_PER_CALL)
        .build());
  }

  /** Connects, then creates the collections of this schema version and model or checks that existing ones match. */
  public static MilvusVectorIndex open(MilvusIndexConfig config) {
    MilvusVectorIndex index = new MilvusVectorIndex(config);
    try {
      index.ensureCollection(
          config.globalCollection(),
          index.globalSchema(),
          index.globalIndexParam(),
          VECTOR,
          DataType.FloatVector,
          config.globalDimensions());
      index.ensureCollection(
          config.localCollection(),
          index.localSchema(),
          index.localIndexParam(),
          DESCRIPTOR,
          DataType.BinaryVector,
          BinaryDescriptors.BITS);
      return index;
    } catch (RuntimeException e) {
      index.close();
      throw e;
    }
  }

  // ---- writes

  @Override
  public void upsert(IndexedImage image) {
    upsertBatch(List.of(image));
  }

  @Override
  public void upsertBatch(List<IndexedImage> images) {
    Set<ImageRef> refs = new HashSet<>();
    List<String> keys = new ArrayList<>();
    List<JsonObject> globalRows = new ArrayList<>();
    List<JsonObject> localRows = new ArrayList<>();
    for (IndexedImage image : images) {
      if (!refs.add(image.ref())) {
        throw new IllegalArgumentException("image " + image.ref() + " appears twice in one batch");
      }
      String key = validatedKey(image);
      keys.add(key);
      for (int n = 0; n < image.globals().size(); n++) {
        JsonObject row = scalarRow(key + "#" + n, key, image);
        row.add(VECTOR, floats(unitVector(image.globals().get(n))));
        globalRows.add(row);
      }
      StoredKeypoints keypoints = image.keypoints();
      for (int k = 0; k < keypoints.size(); k++) {
        JsonObject row = scalarRow(key + "#" + k, key, image);
        row.addProperty(KEYPOINT_INDEX, k);
        row.addProperty(X, keypoints.xs()[k]);
        row.addProperty(Y, keypoints.ys()[k]);
        JsonArray descriptor = new JsonArray(BinaryDescriptors.BYTES);
        for (int b = 0; b < BinaryDescriptors.BYTES; b++) {
          descriptor.add(keypoints.descriptors()[k * BinaryDescriptors.BYTES + b]);
        }
        row.add(DESCRIPTOR, descriptor);
        localRows.add(row);
      }
    }
    if (keys.isEmpty()) {
      return;
    }
    // Milvus does not enforce unique primary keys, and an insert that failed on the client may
    // still have
    // landed (e.g. Milvus went down mid-call). So a retry repeats the whole delete-then-insert,
    // never an insert alone.
    // The retry also deletes the rows' own primary keys: a delete by key needs no query, so it also
    // removes
    // a landed row that a delete by filter might not see yet. A first attempt deletes only where
    // the images already
    // have rows (a replay, a re-index): deleting keys that are inserted right after is four
    // needless writes per image,
    // and a primary key deleted then inserted again is the pattern Milvus has lost rows in
    // (milvus-io/milvus#17066,
    // #21446, #24234).
    int[] attempt = {0};
    Retry.decorateRunnable(retry, () -> {
          boolean retrying = ++attempt[0] > 1;
          if (retrying) {
            LOG.warn(
                "writing {} image(s) to milvus again, attempt {} of {}: {}",
                keys.size(),
                attempt[0],
                config.maxAttempts(),
                keys.size() <= LOGGED_KEYS ? keys : keys.subList(0, LOGGED_KEYS) + " ...");
          }
          if (retrying || anyRowOf(keys)) {
            deleteImages(keys);
            deleteKeys(config.globalCollection(), globalRows);
            deleteKeys(config.localCollection(), localRows);
          }
          write(config.globalCollection(), globalRows);
          write(config.localCollection(), localRows);
        })
        .run();
  }

  /** The image's key, once its ids, keypoints and vectors are checked against what the collections hold. */
  private String validatedKey(IndexedImage image) {
    BinaryDescriptors.requireKeypoints(image.keypoints());
    IndexSupport.requireStorable(image);
    if (image.globals().isEmpty()) {
      throw new IllegalArgumentException("image " + image.ref() + " has no global vector");
    }
    for (float[] global : image.globals()) {
      if (global.length != config.globalDimensions()) {
        throw new IllegalArgumentException("global vector of " + image.ref() + " has "
            + global.length + " dimensions, the index " + config.globalDimensions());
      }
    }
    return imageKey(image.ref());
  }

  private void write(String collection, List<JsonObject> rows) {
    for (int from = 0; from < rows.size(); from += config.writeBatchRows()) {
      List<JsonObject> batch =
          rows.subList(from, Math.min(rows.size(), from + config.writeBatchRows()));
      callOnce(
          "insert into " + collection,
          () -> client.insert(
              InsertReq.builder().collectionName(collection).data(batch).build()));
    }
  }

  /** Deletes by primary key ({@code pk in [...]}, which Milvus applies without a query); escaped, unlike the SDK's ids(). */
  private void deleteKeys(String collection, List<JsonObject> rows) {
    List<String> keys = rows.stream().map(row -> row.get(PK).getAsString()).toList();
    for (int from = 0; from < keys.size(); from += config.writeBatchRows()) {
      String filter =
          in(PK, keys.subList(from, Math.min(keys.size(), from + config.writeBatchRows())));
      call(
          "delete keys from " + collection,
          () -> client.delete(
              DeleteReq.builder().collectionName(collection).filter(filter).build()));
    }
  }

  /** Whether either collection holds a row of any of the images with these keys (a Strong read: every landed write). */
  private boolean anyRowOf(List<String> keys) {
    for (int from = 0; from < keys.size(); from += config.writeBatchRows()) {
      String filter =
          in(IMAGE_KEY, keys.subList(from, Math.min(keys.size(), from + config.writeBatchRows())));
      for (String collection : List.of(config.globalCollection(), config.localCollection())) {
        QueryResp rows = call(
            "query " + collection,
            () -> client.query(QueryReq.builder()
                .collectionName(collection)
                .filter(filter)
                .outputFields(List.of(PK))
                .limit(1)
                .consistencyLevel(READ_CONSISTENCY)
                .build()));
        if (!rows.getQueryResults().isEmpty()) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public void delete(ImageRef image) {
    IndexSupport.requireStorable(image);
    deleteImages(List.of(imageKey(image)));
  }

  /** Deletes every row of the images with these keys, in both collections (by filter: Milvus queries, then deletes). */
  private void deleteImages(List<String> keys) {
    for (int from = 0; from < keys.size(); from += config.writeBatchRows()) {
      String filter =
          in(IMAGE_KEY, keys.subList(from, Math.min(keys.size(), from + config.writeBatchRows())));
      for (String collection : List.of(config.globalCollection(), config.localCollection())) {
        call(
            "delete from " + collection,
            () -> client.delete(
                DeleteReq.builder().collectionName(collection).filter(filter).build()));
      }
    }
  }

  // ---- reads

  @Override
  public List<GlobalHit> searchGlobal(float[] query, int k, Scope scope) {
    return searchGlobalBatch(List.of(query), k, scope).get(0);
  }

  /**
   * One search request for all queries (split only where nq × topK would pass Milvus' cap). Hits are rows, several
   * per image (FULL and TILE vectors), so a query with fewer than {@code k} images in its rows asks again for more.
   */
  @Override
  public List<List<GlobalHit>> searchGlobalBatch(List<float[]> queries, int k, Scope scope) {
    requirePositive(k, "k");
    for (float[] query : queries) {
      if (query.length != config.globalDimensions()) {
        throw new IllegalArgumentException(
            "query has " + query.length + " dimensions, the index " + config.globalDimensions());
      }
    }
    List<List<GlobalHit>> answers = new ArrayList<>(queries.size());
    queries.forEach(query -> answers.add(List.of()));
    if (scope.isEmpty() || queries.isEmpty()) {
      return answers;
    }
    String filter = scopeFilter(scope, writesRecorded);
    List<Integer> pending = new ArrayList<>();
    for (int i = 0; i < queries.size(); i++) {
      pending.add(i);
    }
    int fetch = Math.min(MAX_RESULT_WINDOW, k * GLOBAL_OVERFETCH);
    while (!pending.isEmpty()) {
      int topK = fetch;
      List<Integer> unsatisfied = new ArrayList<>();
      int queriesPerRequest = Math.max(1, MAX_RESULT_WINDOW / topK);
      for (int from = 0; from < pending.size(); from += queriesPerRequest) {
        List<Integer> chunk =
            pending.subList(from, Math.min(pending.size(), from + queriesPerRequest));
        List<BaseVector> data = new ArrayList<>(chunk.size());
        chunk.forEach(i -> data.add(new FloatVec(unitVector(queries.get(i)))));
        SearchResp response = call(
            "search " + config.globalCollection(),
            () -> client.search(SearchReq.builder()
                .collectionName(config.globalCollection())
                .annsField(VECTOR)
                .data(data)
                .topK(topK)
                .filter(filter)
                .outputFields(metaFields())
                .searchParams(globalSearchParams(topK))
                .consistencyLevel(READ_CONSISTENCY)
                .build()));
        for (int n = 0; n < chunk.size(); n++) {
          List<SearchResp.SearchResult> results =
              n < response.getSearchResults().size()
                  ? response.getSearchResults().get(n)
                  : List.of();
          Map<String, GlobalHit> bestPerImage = new LinkedHashMap<>();
          for (SearchResp.SearchResult result : results) {
            Map<String, Object> entity = result.getEntity();
            bestPerImage.putIfAbsent(
                (String) entity.get(IMAGE_KEY),
                new GlobalHit(ref(entity), meta(entity), result.getScore()));
          }
          answers.set(chunk.get(n), bestPerImage.values().stream().limit(k).toList());
          if (bestPerImage.size() < k && results.size() >= topK && topK < MAX_RESULT_WINDOW) {
            unsatisfied.add(chunk.get(n));
          }
        }
      }
      pending = unsatisfied;
      fetch = Math.min(MAX_RESULT_WINDOW, fetch * 2);
    }
    return answers;
  }

  @Override
  public List<LocalVotes> searchLocal(
      List<byte[]> descriptors, int neighbours, int maxHamming, int maxImages, Scope scope) {
    return searchLocalBatch(List.of(descriptors), neighbours, maxHamming, maxImages, scope)
        .get(0);
  }

  /** The descriptors of every set in as few search requests as Milvus' nq × topK cap allows; votes counted per set. */
  @Override
  public List<List<LocalVotes>> searchLocalBatch(
      List<List<byte[]>> descriptorSets,
      int neighbours,
      int maxHamming,
      int maxImages,
      Scope scope) {
    requirePositive(neighbours, "neighbours");
    requirePositive(maxImages, "maxImages");
    if (neighbours > MAX_RESULT_WINDOW) {
      throw new IllegalArgumentException(
          "neighbours must be <= " + MAX_RESULT_WINDOW + ", got " + neighbours);
    }
    descriptorSets.forEach(set -> set.forEach(BinaryDescriptors::requireDescriptor));
    List<Map<String, Integer>> votes = new ArrayList<>(descriptorSets.size());
    descriptorSets.forEach(set -> votes.add(new HashMap<>()));
    Map<String, Map<String, Object>> entities = new HashMap<>();
    // (set, descriptor) pairs in order, so that one request can mix the sets
    List<int[]> pairs = new ArrayList<>();
    for (int set = 0; set < descriptorSets.size(); set++) {
      for (int d = 0; d < descriptorSets.get(set).size(); d++) {
        pairs.add(new int[] {set, d});
      }
    }
    if (!scope.isEmpty() && !pairs.isEmpty()) {
      String filter = scopeFilter(scope, writesRecorded);
      int fetched = Math.min(MAX_RESULT_WINDOW, neighbours + TIE_MARGIN);
      int queriesPerRequest = Math.max(1, MAX_RESULT_WINDOW / fetched);
      for (int from = 0; from < pairs.size(); from += queriesPerRequest) {
        List<int[]> chunk = pairs.subList(from, Math.min(pairs.size(), from + queriesPerRequest));
        List<BaseVector> data = new ArrayList<>(chunk.size());
        chunk.forEach(pair ->
            data.add(new BinaryVec(ByteBuffer.wrap(descriptorSets.get(pair[0]).get(pair[1])))));
        SearchResp response = call(
            "search " + config.localCollection(),
            () -> client.search(SearchReq.builder()
                .collectionName(config.localCollection())
                .annsField(DESCRIPTOR)
                .data(data)
                .topK(fetched)
                .filter(filter)
                .outputFields(metaFields())
                .searchParams(localSearchParams())
                .consistencyLevel(READ_CONSISTENCY)
                .build()));
        for (int n = 0; n < chunk.size() && n < response.getSearchResults().size(); n++) {
          Map<String, Integer> setVotes = votes.get(chunk.get(n)[0]);
          List<Neighbour> found = new ArrayList<>();
          for (SearchResp.SearchResult result : response.getSearchResults().get(n)) {
            if (result.getScore() <= maxHamming) {
              String key = (String) result.getEntity().get(IMAGE_KEY);
              found.add(new Neighbour(Math.round(result.getScore()), key));
              entities.putIfAbsent(key, result.getEntity());
            }
          }
          for (String key : imagesOfNearest(found, neighbours)) {
            setVotes.merge(key, 1, Integer::sum);
          }
        }
      }
    }
    return votes.stream()
        .map(setVotes -> mostVoted(setVotes, maxImages).stream()
            .map(entry -> new LocalVotes(
                ref(entities.get(entry.getKey())),
                meta(entities.get(entry.getKey())),
                entry.getValue()))
            .toList())
        .toList();
  }

  @Override
  public StoredKeypoints keypoints(ImageRef image) {
    return keypointsBatch(List.of(image)).get(image);
  }

  /** The keypoints of up to {@link #KEYPOINT_IMAGES_PER_QUERY} images per query; a query that fills Milvus' row cap is split. */
  @Override
  public Map<ImageRef, StoredKeypoints> keypointsBatch(Collection<ImageRef> images) {
    List<ImageRef> distinct = new ArrayList<>(new LinkedHashSet<>(images));
    Map<String, List<Map<String, Object>>> rowsPerKey = new HashMap<>();
    for (int from = 0; from < distinct.size(); from += KEYPOINT_IMAGES_PER_QUERY) {
      queryRowsByImage(
          config.localCollection(),
          List.of(IMAGE_KEY, KEYPOINT_INDEX, X, Y, DESCRIPTOR),
          distinct.subList(from, Math.min(distinct.size(), from + KEYPOINT_IMAGES_PER_QUERY)),
          rowsPerKey);
    }
    Map<ImageRef, StoredKeypoints> keypoints = new LinkedHashMap<>();
    for (ImageRef image : distinct) {
      keypoints.put(image, storedKeypoints(rowsPerKey.getOrDefault(imageKey(image), List.of())));
    }
    return keypoints;
  }

  /**
   * The {@code fields} of every row of {@code images} in {@code collection}, grouped by image key, in one query; a query
   * that fills Milvus' row cap is split in halves.
   */
  private void queryRowsByImage(
      String collection,
      List<String> fields,
      List<ImageRef> images,
      Map<String, List<Map<String, Object>>> rowsPerKey) {
    String filter = in(IMAGE_KEY, images.stream().map(IndexSupport::imageKey).toList());
    QueryResp response = call(
        "query " + collection,
        () -> client.query(QueryReq.builder()
            .collectionName(collection)
            .filter(filter)
            .outputFields(fields)
            .limit(MAX_RESULT_WINDOW)
            .consistencyLevel(READ_CONSISTENCY)
            .build()));
    if (response.getQueryResults().size() >= MAX_RESULT_WINDOW && images.size() > 1) {
      int half = images.size() / 2;
      queryRowsByImage(collection, fields, images.subList(0, half), rowsPerKey);
      queryRowsByImage(collection, fields, images.subList(half, images.size()), rowsPerKey);
      return;
    }
    for (QueryResp.QueryResult result : response.getQueryResults()) {
      Map<String, Object> row = result.getEntity();
      rowsPerKey
          .computeIfAbsent((String) row.get(IMAGE_KEY), key -> new ArrayList<>())
          .add(row);
    }
  }

  /**
   * An image's keypoints from its rows, one per keypoint index whatever Milvus returns: a keypoint stored twice (as an
   * insert retried by the SDK was, after its answer was lost) would be its own second-nearest neighbour and fail every
   * ratio test of verification.
   */
  static StoredKeypoints storedKeypoints(List<Map<String, Object>> unsorted) {
    if (unsorted.isEmpty()) {
      return StoredKeypoints.EMPTY;
    }
    Map<Integer, Map<String, Object>> byIndex = new TreeMap<>();
    for (Map<String, Object> row : unsorted) {
      byIndex.putIfAbsent(((Number) row.get(KEYPOINT_INDEX)).intValue(), row);
    }
    List<Map<String, Object>> rows = List.copyOf(byIndex.values());
    float[] xs = new float[rows.size()];
    float[] ys = new float[rows.size()];
    byte[] descriptors = new byte[rows.size() * BinaryDescriptors.BYTES];
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> row = rows.get(i);
      xs[i] = ((Number) row.get(X)).floatValue();
      ys[i] = ((Number) row.get(Y)).floatValue();
      byte[] descriptor = bytes(row.get(DESCRIPTOR));
      System.arraycopy(
          descriptor, 0, descriptors, i * BinaryDescriptors.BYTES, BinaryDescriptors.BYTES);
    }
    return new StoredKeypoints(xs, ys, descriptors, BinaryDescriptors.BYTES);
  }

  /** One query of the global collection for all images; one that fills Milvus' row cap is split. */
  @Override
  public Map<ImageRef, List<float[]>> globalVectors(Collection<ImageRef> images) {
    List<ImageRef> distinct = new ArrayList<>(new LinkedHashSet<>(images));
    Map<String, List<Map<String, Object>>> rowsPerKey = new HashMap<>();
    if (!distinct.isEmpty()) {
      queryRowsByImage(config.globalCollection(), List.of(IMAGE_KEY, VECTOR), distinct, rowsPerKey);
    }
    Map<ImageRef, List<float[]>> vectors = new LinkedHashMap<>();
    for (ImageRef image : distinct) {
      List<Map<String, Object>> rows = rowsPerKey.getOrDefault(imageKey(image), List.of());
      vectors.put(image, rows.stream().map(row -> floatsOf(row.get(VECTOR))).toList());
    }
    return vectors;
  }

  @Override
  public Optional<ImageMeta> meta(ImageRef image) {
    String filter = equalTo(IMAGE_KEY, imageKey(image));
    QueryResp response = call(
        "query " + config.globalCollection(),
        () -> client.query(QueryReq.builder()
            .collectionName(config.globalCollection())
            .filter(filter)
            .outputFields(metaFields())
            .limit(1)
            .consistencyLevel(READ_CONSISTENCY)
            .build()));
    return response.getQueryResults().stream().findFirst().map(result -> meta(result.getEntity()));
  }

  private List<String> metaFields() {
    if (!writesRecorded) {
      return META_FIELDS_WITHOUT_WRITES;
    }
    List<String> fields = new ArrayList<>(META_FIELDS_WITHOUT_WRITES);
    fields.add(WRITTEN_AT);
    return fields;
  }

  @Override
  public boolean contains(ImageRef image) {
    String filter = equalTo(IMAGE_KEY, imageKey(image));
    QueryResp response = call(
        "query " + config.globalCollection(),
        () -> client.query(QueryReq.builder()
            .collectionName(config.globalCollection())
            .filter(filter)
            .outputFields(List.of(PK))
            .limit(1)
            .consistencyLevel(READ_CONSISTENCY)
            .build()));
    return !response.getQueryResults().isEmpty();
  }

  /** Reads are Strong: every acknowledged write is already visible, so there is nothing to wait for. */
  @Override
  public void refresh() {}

  /** An acknowledged insert or delete is in Milvus' write-ahead log: durable already. */
  @Override
  public void commit() {}

  /**
   * Seals the rows written so far and waits until both collections' indexes cover every row, or {@code timeout}
   * passes. Until then Milvus searches the newest rows by brute force, so a benchmark of an index type measures that
   * type only after this call. The matcher never needs it: reads are correct either way.
   *
   * @return whether the indexes caught up within {@code timeout}
   */
  public boolean sealAndAwaitIndexes(Duration timeout) {
    List<String> collections = List.of(config.globalCollection(), config.localCollection());
    call("flush " + collections, () -> {
      client.flush(FlushReq.builder()
          .collectionNames(collections)
          .waitFlushedTimeoutMs(timeout.toMillis())
          .build());
      return null;
    });
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean indexed = collections.stream().allMatch(this::fullyIndexed);
      if (indexed || System.nanoTime() > deadline) {
        return indexed;
      }
      try {
        Thread.sleep(INDEX_POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
  }

  private boolean fullyIndexed(String collection) {
    DescribeIndexResp described = call(
        "describe index of " + collection,
        () -> client.describeIndex(
            DescribeIndexReq.builder().collectionName(collection).build()));
    return described.getIndexDescriptions().stream()
        .allMatch(index ->
            index.getPendingIndexRows() == 0 && index.getIndexedRows() >= index.getTotalRows());
  }

  /** The circuit breaker every call goes through, for the service's metrics (read its state only). */
  public CircuitBreaker circuitBreaker() {
    return breaker;
  }

  @Override
  public void close() {
    if (client != null) {
      client.close();
    }
  }

  // ---- schema

  private void ensureCollection(
      String name,
      CreateCollectionReq.CollectionSchema schema,
      IndexParam index,
      String vectorField,
      DataType vectorType,
      int dimensions) {
    boolean exists = call(
        "check collection " + name,
        () ->
            client.hasCollection(HasCollectionReq.builder().collectionName(name).build()));
    if (!exists) {
      LOG.info("creating milvus collection {} ({} index)", name, index.getIndexType());
      call("create collection " + name, () -> {
        client.createCollection(CreateCollectionReq.builder()
            .collectionName(name)
            .collectionSchema(schema)
            .indexParams(List.of(index))
            .numPartitions(config.partitions())
            .consistencyLevel(READ_CONSISTENCY)
            .build());
        return null;
      });
      return;
    }
    DescribeCollectionResp described = call(
        "describe collection " + name,
        () -> client.describeCollection(
            DescribeCollectionReq.builder().collectionName(name).build()));
    CreateCollectionReq.FieldSchema vector = described.getCollectionSchema().getField(vectorField);
    Set<String> missing = new HashSet<>(schema.getFieldSchemaList().stream()
        .map(CreateCollectionReq.FieldSchema::getName)
        .toList());
    missing.removeAll(described.getFieldNames());
    if (missing.remove(WRITTEN_AT)) {
      writesRecorded = false;
      LOG.warn(
          "milvus collection {} has no {} column (created by an earlier version): a record replayed after an aborted "
              + "transaction is matched against every image, including those written after its first attempt; re-index into a "
              + "new collection to bound replays",
          name,
          WRITTEN_AT);
    }
    if (vector == null
        || vector.getDataType() != vectorType
        || vector.getDimension() == null
        || vector.getDimension() != dimensions
        || !missing.isEmpty()) {
      throw new IllegalStateException(
          "milvus collection " + name + " exists with another schema (vector " + vectorField + ": "
              + (vector == null ? "absent" : vector.getDataType() + "/" + vector.getDimension())
              + ", expected " + vectorType + "/"
              + dimensions + "; missing fields " + missing
              + "); bump ModelKey.SCHEMA_VERSION or drop it");
    }
    call("load collection " + name, () -> {
      client.loadCollection(LoadCollectionReq.builder().collectionName(name).build());
      return null;
    });
  }

  private CreateCollectionReq.CollectionSchema globalSchema() {
    CreateCollectionReq.CollectionSchema schema = scalarSchema();
    schema.addField(AddFieldReq.builder()
        .fieldName(VECTOR)
        .dataType(DataType.FloatVector)
        .dimension(config.globalDimensions())
        .build());
    return schema;
  }

  private CreateCollectionReq.CollectionSchema localSchema() {
    CreateCollectionReq.CollectionSchema schema = scalarSchema();
    schema.addField(
        AddFieldReq.builder().fieldName(KEYPOINT_INDEX).dataType(DataType.Int32).build());
    schema.addField(AddFieldReq.builder().fieldName(X).dataType(DataType.Float).build());
    schema.addField(AddFieldReq.builder().fieldName(Y).dataType(DataType.Float).build());
    schema.addField(AddFieldReq.builder()
        .fieldName(DESCRIPTOR)
        .dataType(DataType.BinaryVector)
        .dimension(BinaryDescriptors.BITS)
        .build());
    return schema;
  }

  private static CreateCollectionReq.CollectionSchema scalarSchema() {
    CreateCollectionReq.CollectionSchema schema =
        CreateCollectionReq.CollectionSchema.builder().enableDynamicField(false).build();
    schema.addField(AddFieldReq.builder()
        .fieldName(PK)
        .dataType(DataType.VarChar)
        .maxLength(MAX_KEY_LENGTH + 16)
        .isPrimaryKey(true)
        .autoID(false)
        .build());
    schema.addField(AddFieldReq.builder()
        .fieldName(IMAGE_KEY)
        .dataType(DataType.VarChar)
        .maxLength(MAX_KEY_LENGTH)
        .build());
    schema.addField(AddFieldReq.builder()
        .fieldName(TENANT)
        .dataType(DataType.VarChar)
        .maxLength(MAX_ID_LENGTH)
        .isPartitionKey(true)
        .build());
    schema.addField(AddFieldReq.builder()
        .fieldName(IMAGE_ID)
        .dataType(DataType.VarChar)
        .maxLength(MAX_ID_LENGTH)
        .build());
    schema.addField(AddFieldReq.builder()
        .fieldName(PURPOSE)
        .dataType(DataType.VarChar)
        .maxLength(MAX_PURPOSE_LENGTH)
        .build());
    schema.addField(AddFieldReq.builder()
        .fieldName(REFERENCE_SET)
        .dataType(DataType.VarChar)
        .maxLength(MAX_ID_LENGTH)
        .build());
    schema.addField(AddFieldReq.builder()
        .fieldName(RIGHTS_HOLDER)
        .dataType(DataType.VarChar)
        .maxLength(MAX_ID_LENGTH)
        .build());
    schema.addField(
        AddFieldReq.builder().fieldName(INDEXED_AT).dataType(DataType.Int64).build());
    schema.addField(
        AddFieldReq.builder().fieldName(WRITTEN_AT).dataType(DataType.Int64).build());
    schema.addField(
        AddFieldReq.builder().fieldName(WIDTH).dataType(DataType.Int32).build());
    schema.addField(
        AddFieldReq.builder().fieldName(HEIGHT).dataType(DataType.Int32).build());
    return schema;
  }

  private IndexParam globalIndexParam() {
    IndexParam.IndexParamBuilder index =
        IndexParam.builder().fieldName(VECTOR).metricType(IndexParam.MetricType.IP);
    return switch (config.globalIndex()) {
      case HNSW ->
        index
            .indexType(IndexParam.IndexType.HNSW)
            .extraParams(Map.of("M", HNSW_M, "efConstruction", HNSW_EF_CONSTRUCTION))
            .build();
      case FLAT -> index.indexType(IndexParam.IndexType.FLAT).build();
      case AUTOINDEX -> index.indexType(IndexParam.IndexType.AUTOINDEX).build();
    };
  }

  private IndexParam localIndexParam() {
    IndexParam.IndexParamBuilder index =
        IndexParam.builder().fieldName(DESCRIPTOR).metricType(IndexParam.MetricType.HAMMING);
    return switch (config.localIndex()) {
      case BIN_FLAT -> index.indexType(IndexParam.IndexType.BIN_FLAT).build();
      case BIN_IVF_FLAT ->
        index
            .indexType(IndexParam.IndexType.BIN_IVF_FLAT)
            .extraParams(Map.of("nlist", config.localNlist()))
            .build();
    };
  }

  private Map<String, Object> globalSearchParams(int topK) {
    return config.globalIndex() == MilvusIndexConfig.GlobalIndex.HNSW
        ? Map.of("ef", Math.max(HNSW_EF_MIN, topK))
        : Map.of();
  }

  private Map<String, Object> localSearchParams() {
    return config.localIndex() == MilvusIndexConfig.LocalIndex.BIN_IVF_FLAT
        ? Map.of("nprobe", config.localNprobe())
        : Map.of();
  }

  // ---- rows and filters

  private JsonObject scalarRow(String pk, String key, IndexedImage image) {
    JsonObject row = new JsonObject();
    row.addProperty(PK, pk);
    row.addProperty(IMAGE_KEY, key);
    row.addProperty(TENANT, image.ref().tenant());
    row.addProperty(IMAGE_ID, image.ref().imageId());
    row.addProperty(PURPOSE, image.purpose().name());
    row.addProperty(REFERENCE_SET, nullToEmpty(image.referenceSet()));
    row.addProperty(RIGHTS_HOLDER, nullToEmpty(image.rightsHolder()));
    row.addProperty(INDEXED_AT, image.indexedAtMillis());
    if (writesRecorded) {
      row.addProperty(WRITTEN_AT, image.writtenAtMillis());
    }
    row.addProperty(WIDTH, image.width());
    row.addProperty(HEIGHT, image.height());
    return row;
  }

  /** Scope as a Milvus expression on collections with the {@value #WRITTEN_AT} column; every value an escaped literal. */
  static String scopeFilter(Scope scope) {
    return scopeFilter(scope, true);
  }

  /** Scope as a Milvus expression; the write bound only where the collections record writes. */
  static String scopeFilter(Scope scope, boolean writesRecorded) {
    List<String> admitted = new ArrayList<>();
    if (!scope.uploadTenants().isEmpty()) {
      admitted.add("(" + equalTo(PURPOSE, Purpose.UPLOAD.name()) + " && "
          + in(TENANT, scope.uploadTenants()) + ")");
    }
    if (!scope.referenceSets().isEmpty()) {
      admitted.add("(" + equalTo(PURPOSE, Purpose.REFERENCE.name()) + " && "
          + in(REFERENCE_SET, scope.referenceSets()) + ")");
    }
    String filter = "(" + String.join(" || ", admitted) + ")";
    if (scope.boundedInTime()) {
      // Milvus' expression parser rejects Long.MIN_VALUE as a literal, so the unbounded case has no
      // clause at all
      filter += " && " + INDEXED_AT + " >= " + scope.indexedSinceMillis();
    }
    if (scope.boundedInWrites() && writesRecorded) {
      filter += " && " + WRITTEN_AT + " < " + scope.writtenBeforeMillis();
    }
    if (scope.exclude() != null) {
      filter += " && " + notEqualTo(IMAGE_KEY, imageKey(scope.exclude()));
    }
    return filter;
  }

  private static ImageRef ref(Map<String, Object> entity) {
    return new ImageRef((String) entity.get(TENANT), (String) entity.get(IMAGE_ID));
  }

  private static ImageMeta meta(Map<String, Object> entity) {
    long indexedAt = ((Number) entity.get(INDEXED_AT)).longValue();
    Object writtenAt = entity.get(WRITTEN_AT);
    return new ImageMeta(
        Purpose.valueOf((String) entity.get(PURPOSE)),
        emptyToNull((String) entity.get(RIGHTS_HOLDER)),
        emptyToNull((String) entity.get(REFERENCE_SET)),
        indexedAt,
        ((Number) entity.get(WIDTH)).intValue(),
        ((Number) entity.get(HEIGHT)).intValue(),
        writtenAt == null ? indexedAt : ((Number) writtenAt).longValue());
  }

  private static JsonArray floats(float[] values) {
    JsonArray array = new JsonArray(values.length);
    for (float value : values) {
      array.add(value);
    }
    return array;
  }

  private static float[] floatsOf(Object value) {
    if (value instanceof List<?> list) {
      float[] floats = new float[list.size()];
      for (int i = 0; i < floats.length; i++) {
        floats[i] = ((Number) list.get(i)).floatValue();
      }
      return floats;
    }
    throw new IllegalStateException(
        "unexpected float vector type from milvus: " + (value == null ? "null" : value.getClass()));
  }

  private static byte[] bytes(Object value) {
    if (value instanceof ByteBuffer buffer) {
      // the SDK hands the buffer over already read (position at its limit)
      byte[] copy = new byte[buffer.limit()];
      buffer.get(0, copy);
      return copy;
    }
    if (value instanceof byte[] array) {
      return array.clone();
    }
    throw new IllegalStateException("unexpected binary vector type from milvus: "
        + (value == null ? "null" : value.getClass()));
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  // ---- resilience

  private static boolean isTransient(Throwable error) {
    return !(error instanceof IllegalArgumentException || error instanceof IllegalStateException);
  }

  /**
   * Whether Milvus refused the request itself (a filter it cannot parse, a parameter out of range): sending it again
   * cannot help, unlike an outage. Milvus 2.4+ gives parameter errors codes 1100-1199 (merr's "invalid parameter"
   * family) or the legacy IllegalArgument; 2.3 reports them as UnexpectedError (65535), so there the message tells; the
   * SDK's own checks raise INVALID_PARAMS.
   */
  static boolean isRejectedRequest(Throwable error) {
    if (!(error instanceof MilvusClientException e)) {
      return false;
    }
    String message = String.valueOf(e.getMessage());
    return e.getErrorCode() == ErrorCode.INVALID_PARAMS
        || e.getServerErrCode() / PARAMETER_ERROR_FAMILY == INVALID_PARAMETER_CODES
        || e.getLegacyServerCode() == io.milvus.grpc.ErrorCode.IllegalArgument_VALUE
        || REFUSAL_MESSAGES.stream().anyMatch(message::contains);
  }

  /** Runs one Milvus call through bulkhead, circuit breaker and retry; failures become {@link IndexUnavailableException}. */
  private <T> T call(String what, Supplier<T> action) {
    return guarded(
        what,
        Retry.decorateSupplier(
            retry,
            Bulkhead.decorateSupplier(
                bulkhead,
                CircuitBreaker.decorateSupplier(breaker, rejectionsAsBadInput(what, action)))));
  }

  /** Like {@link #call} without the retry, for a call that must not be repeated alone. */
  private <T> T callOnce(String what, Supplier<T> action) {
    return guarded(
        what,
        Bulkhead.decorateSupplier(
            bulkhead,
            CircuitBreaker.decorateSupplier(breaker, rejectionsAsBadInput(what, action))));
  }

  /**
   * A request Milvus refuses becomes an {@link IllegalArgumentException}, which the retry does not repeat, the circuit
   * breaker does not count and the matcher dead-letters, instead of stalling its partition as if Milvus were down.
   */
  private static <T> Supplier<T> rejectionsAsBadInput(String what, Supplier<T> action) {
    return () -> {
      try {
        return action.get();
      } catch (RuntimeException e) {
        if (isRejectedRequest(e)) {
          throw new IllegalArgumentException("milvus refused " + what + ": " + e.getMessage(), e);
        }
        throw e;
      }
    };
  }

  private static <T> T guarded(String what, Supplier<T> guarded) {
    try {
      return guarded.get();
    } catch (IllegalArgumentException | IllegalStateException | IndexUnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new IndexUnavailableException("milvus " + what + " failed: " + e.getMessage(), e);
    }
  }
}
