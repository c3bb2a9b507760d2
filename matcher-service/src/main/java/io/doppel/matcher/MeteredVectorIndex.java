package io.doppel.matcher;

import io.doppel.matcher.index.GlobalHit;
import io.doppel.matcher.index.ImageMeta;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.LocalVotes;
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.topology.ops.DoppelMeters;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * Times every call of the vector index in {@code doppel_index_call_seconds{operation, outcome}} and
 * counts failures in {@code doppel_index_errors_total{operation}}, for Milvus and Lucene alike.
 * Exceptions pass through unchanged.
 */
final class MeteredVectorIndex implements VectorIndex {

  static final String UPSERT = "upsert";
  static final String DELETE = "delete";
  static final String SEARCH_GLOBAL = "search_global";
  static final String SEARCH_LOCAL = "search_local";
  static final String KEYPOINTS = "keypoints";
  static final String GLOBAL_VECTORS = "global_vectors";
  static final String CONTAINS = "contains";
  static final String META = "meta";
  static final String REFRESH = "refresh";
  static final String COMMIT = "commit";
  static final String SUCCESS = "success";
  static final String ERROR = "error";
  static final List<String> OPERATIONS = List.of(
      UPSERT,
      DELETE,
      SEARCH_GLOBAL,
      SEARCH_LOCAL,
      KEYPOINTS,
      GLOBAL_VECTORS,
      CONTAINS,
      META,
      REFRESH,
      COMMIT);

  private final VectorIndex delegate;
  private final DoppelMeters meters;

  MeteredVectorIndex(VectorIndex delegate, DoppelMeters meters) {
    this.delegate = delegate;
    this.meters = meters;
    // every error series exists from the start at 0, so rate() and alerts see the first failure
    OPERATIONS.forEach(meters::indexErrors);
  }

  @Override
  public void upsert(IndexedImage image) {
    timed(UPSERT, () -> {
      delegate.upsert(image);
      return null;
    });
  }

  @Override
  public void upsertBatch(List<IndexedImage> images) {
    timed(UPSERT, () -> {
      delegate.upsertBatch(images);
      return null;
    });
  }

  @Override
  public void delete(ImageRef image) {
    timed(DELETE, () -> {
      delegate.delete(image);
      return null;
    });
  }

  @Override
  public List<GlobalHit> searchGlobal(float[] query, int k, Scope scope) {
    return timed(SEARCH_GLOBAL, () -> delegate.searchGlobal(query, k, scope));
  }

  @Override
  public List<LocalVotes> searchLocal(
      List<byte[]> descriptors, int neighbours, int maxHamming, int maxImages, Scope scope) {
    return timed(
        SEARCH_LOCAL,
        () -> delegate.searchLocal(descriptors, neighbours, maxHamming, maxImages, scope));
  }

  @Override
  public StoredKeypoints keypoints(ImageRef image) {
    return timed(KEYPOINTS, () -> delegate.keypoints(image));
  }

  @Override
  public List<List<GlobalHit>> searchGlobalBatch(List<float[]> queries, int k, Scope scope) {
    return timed(SEARCH_GLOBAL, () -> delegate.searchGlobalBatch(queries, k, scope));
  }

  @Override
  public List<List<LocalVotes>> searchLocalBatch(
      List<List<byte[]>> descriptorSets,
      int neighbours,
      int maxHamming,
      int maxImages,
      Scope scope) {
    return timed(
        SEARCH_LOCAL,
        () -> delegate.searchLocalBatch(descriptorSets, neighbours, maxHamming, maxImages, scope));
  }

  @Override
  public Map<ImageRef, StoredKeypoints> keypointsBatch(Collection<ImageRef> images) {
    return timed(KEYPOINTS, () -> delegate.keypointsBatch(images));
  }

  @Override
  public Map<ImageRef, List<float[]>> globalVectors(Collection<ImageRef> images) {
    return timed(GLOBAL_VECTORS, () -> delegate.globalVectors(images));
  }

  @Override
  public Optional<ImageMeta> meta(ImageRef image) {
    return timed(META, () -> delegate.meta(image));
  }

  @Override
  public boolean contains(ImageRef image) {
    return timed(CONTAINS, () -> delegate.contains(image));
  }

  @Override
  public void refresh() {
    timed(REFRESH, () -> {
      delegate.refresh();
      return null;
    });
  }

  @Override
  public void commit() {
    timed(COMMIT, () -> {
      delegate.commit();
      return null;
    });
  }

  @Override
  public OptionalLong committedBytesOnDisk() {
    return delegate.committedBytesOnDisk();
  }

  @Override
  public void close() {
    delegate.close();
  }

  private <T> T timed(String operation, Supplier<T> call) {
    long started = System.nanoTime();
    try {
      T result = call.get();
      meters
          .indexCall(operation, SUCCESS)
          .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
      return result;
    } catch (RuntimeException e) {
      meters
          .indexCall(operation, ERROR)
          .record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
      meters.indexErrors(operation).increment();
      throw e;
    }
  }
}
