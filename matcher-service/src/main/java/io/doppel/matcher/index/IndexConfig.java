package io.doppel.matcher.index;

import io.doppel.matcher.index.milvus.MilvusIndexConfig.GlobalIndex;
import io.doppel.matcher.index.milvus.MilvusIndexConfig.LocalIndex;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Which index a matcher opens, and where: what {@link VectorIndexes#open} needs. The adapters' own tuning has defaults
 * ({@code LuceneIndexConfig}, {@code MilvusIndexConfig}).
 *
 * @param model the global-descriptor model: each model version has its own index, never shared
 * @param dimension the global descriptors' dimension
 * @param luceneRoot where Lucene indexes live (one directory per model below it); used by the Lucene backend
 * @param milvus the Milvus connection; required by the Milvus backend, null otherwise
 */
public record IndexConfig(
    Backend backend, ModelKey model, int dimension, Path luceneRoot, Milvus milvus) {

  public enum Backend {
    LUCENE,
    MILVUS
  }

  /**
   * A Milvus server and the indexes it builds; {@code toString} never shows the token.
   *
   * @param localNlist clusters of a BIN_IVF_FLAT keypoint index (unused by BIN_FLAT)
   * @param localNprobe clusters a BIN_IVF_FLAT search visits per query descriptor
   */
  public record Milvus(
      String uri,
      String token,
      GlobalIndex globalIndex,
      LocalIndex localIndex,
      int localNlist,
      int localNprobe) {
    public Milvus {
      if (localNprobe > localNlist) {
        throw new IllegalArgumentException("the keypoint index's probes (milvus.local-nprobe = "
            + localNprobe + ") must not exceed its clusters (milvus.local-nlist = " + localNlist
            + ")");
      }
    }

    @Override
    public String toString() {
      return "Milvus[uri=" + uri + ", token=" + (token == null ? "none" : "****") + ", globalIndex="
          + globalIndex + ", localIndex=" + localIndex + ", localNlist=" + localNlist
          + ", localNprobe=" + localNprobe + "]";
    }
  }

  public IndexConfig {
    Objects.requireNonNull(backend, "backend");
    Objects.requireNonNull(model, "model");
    if (dimension < 1) {
      throw new IllegalArgumentException("the global dimension must be >= 1, got " + dimension);
    }
    if (backend == Backend.LUCENE && luceneRoot == null) {
      throw new IllegalArgumentException("the lucene backend needs a directory");
    }
    if (backend == Backend.MILVUS && milvus == null) {
      throw new IllegalArgumentException("the milvus backend needs a server (milvus.uri)");
    }
  }

  /** An embedded Lucene index under {@code root}. */
  public static IndexConfig lucene(ModelKey model, int dimension, Path root) {
    return new IndexConfig(Backend.LUCENE, model, dimension, root, null);
  }

  /** Where the index is, for messages: its directory or its server and collections. */
  public String describe() {
    return switch (backend) {
      case LUCENE -> "lucene " + luceneRoot.resolve(model.qualifiedName("doppel"));
      case MILVUS ->
        "milvus " + milvus.uri() + " (collections named after "
            + model.qualifiedName("doppel_global") + ")";
    };
  }
}
