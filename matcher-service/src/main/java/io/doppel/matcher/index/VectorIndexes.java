package io.doppel.matcher.index;

import io.doppel.matcher.index.lucene.LuceneIndexConfig;
import io.doppel.matcher.index.lucene.LuceneVectorIndex;
import io.doppel.matcher.index.milvus.MilvusIndexConfig;
import io.doppel.matcher.index.milvus.MilvusVectorIndex;

/** Opens the configured {@link VectorIndex}: the one place that turns a backend name into an adapter. */
public final class VectorIndexes {

  private VectorIndexes() {}

  /** The index of {@code config}, opened (its files or collections created, or validated against the model). */
  public static VectorIndex open(IndexConfig config) {
    return switch (config.backend()) {
      case LUCENE ->
        LuceneVectorIndex.open(LuceneIndexConfig.of(config.luceneRoot(), config.model()));
      case MILVUS ->
        MilvusVectorIndex.open(MilvusIndexConfig.of(
                config.milvus().uri(),
                config.milvus().token(),
                config.model(),
                config.dimension(),
                config.milvus().globalIndex())
            .withLocalIndex(
                config.milvus().localIndex(),
                config.milvus().localNlist(),
                config.milvus().localNprobe()));
    };
  }
}
