package io.doppel.matcher.reindex;

import java.util.List;

/**
 * Where a re-index reads the originals from: a folder, a manifest, or the compacted uploads topic.
 * The job asks for batches and acknowledges each one once its images are durably in the new index,
 * so a source that can remember its position (the topic, through committed offsets) resumes there.
 */
public interface ReindexSource extends AutoCloseable {

  /** Up to {@code max} next items; empty once the source is exhausted. */
  List<ReindexItem> next(int max);

  /** Every item handed out so far is durably indexed. */
  default void acknowledge() {}

  /** How many items the source holds, for progress; -1 if unknown. */
  long size();

  /** What the source is, for logs and the report. */
  String describe();

  @Override
  default void close() {}
}
