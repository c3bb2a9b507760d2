package io.doppel.topology.extract;

import io.doppel.schemas.avro.UploadEvent;
import java.util.List;

/**
 * The extraction port: upload events in, features or a typed failure out, one result per event,
 * in the same order. Implementations batch the model call over the whole list (GPU micro-batch).
 * A failure of one image never fails the batch; only a failure of the extractor itself (model
 * gone, out of memory) throws.
 */
public interface FeatureExtractor extends AutoCloseable {

  List<Extraction> extract(List<UploadEvent> events);

  @Override
  default void close() {}
}
