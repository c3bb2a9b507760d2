package io.doppel.topology.match;

import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.MatchEvent;
import java.util.List;

/**
 * The matching port: one image's features in, its outcome(s) out.
 *
 * <p>For UPLOAD: retrieve, verify, score, apply the tenant's policy, then index the upload; one
 * MatchEvent (DUPLICATE, COPYRIGHT_VIOLATION or CLEAN). For REFERENCE: index it, then retro-scan
 * recent uploads; one REGISTERED event plus one COPYRIGHT_VIOLATION (trigger RETRO_SCAN) per earlier
 * upload found to copy it. For DELETE: remove every row of the image; one DELETED event.
 *
 * <p>Index writes are idempotent and an image never matches itself, so replaying the same features
 * after a crash gives the same events. When the index is unreachable this throws {@link
 * DependencyUnavailableException} rather than deciding without it. A record the policy forbids (a REFERENCE into a
 * set its tenant was not granted) throws {@link RefusedRecordException} before anything is written.
 */
public interface Matcher extends AutoCloseable {

  List<MatchEvent> match(ImageFeatures features);

  /**
   * Makes every index write of the records matched so far durable. Called before the stream task commits their
   * offsets; a matcher whose writes are durable when acknowledged (Milvus) has nothing to do. Deliberately not a
   * default method: a wrapper that forgot to delegate it would silently lose index writes on a crash.
   */
  void commit();

  @Override
  default void close() {}
}
