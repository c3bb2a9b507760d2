package io.doppel.matcher.reindex;

import java.util.List;

/**
 * What one run did.
 *
 * @param read items read from the source
 * @param indexed images extracted with the new model and written to the new index
 * @param alreadyIndexed images skipped because the new index already holds them (a resumed run)
 * @param deleted tombstones and DELETE events applied to the new index
 * @param failed images the extractor could not turn into features (unreachable, undecodable), or
 *     the index would not take (what the live matcher dead-letters, e.g. a REFERENCE without holder)
 * @param failures the first {@link ReindexJob#MAX_REPORTED_FAILURES} of them, "tenant/id: reason detail"
 */
public record ReindexReport(
    long read,
    long indexed,
    long alreadyIndexed,
    long deleted,
    long failed,
    List<String> failures) {

  public ReindexReport {
    failures = List.copyOf(failures);
  }

  /** One line for logs and the command's output. */
  public String summary() {
    return "read " + read + ", indexed " + indexed + ", already indexed " + alreadyIndexed
        + ", deleted " + deleted + ", failed " + failed;
  }
}
