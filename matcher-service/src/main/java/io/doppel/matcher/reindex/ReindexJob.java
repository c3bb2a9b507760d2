package io.doppel.matcher.reindex;

import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.policy.Policy;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ModelInfo;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.topology.extract.Extraction;
import io.doppel.topology.extract.FeatureExtractor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backfills the index of a new model version from the originals: reads items from a
 * {@link ReindexSource}, extracts each batch with the new model, writes the rows the matcher
 * would write ({@link IndexEntries}) into the new model's index, makes them durable, then
 * acknowledges the batch to the source.
 *
 * <pre>
 * for batch in source:  deletions → index.delete;  references the policy refuses → failed;
 *                        others (minus already indexed, when resuming)
 *                        → extractor → IndexEntries → index.upsert;   index.commit;  source.acknowledge
 * </pre>
 *
 * Idempotent: upserts replace an image's rows, so a repeated or overlapping run leaves one entry
 * per image. Resumable: with {@link Settings#skipIndexed()} images the new index already holds are
 * not extracted again; a topic source resumes from its committed offsets. The old model's index is
 * never opened: index names carry the model ({@link ModelKey#qualifiedName}).
 */
public final class ReindexJob {

  /** Failures kept verbatim in the report; the rest are only counted. */
  public static final int MAX_REPORTED_FAILURES = 20;

  private static final Logger LOG = LoggerFactory.getLogger(ReindexJob.class);

  /**
   * @param batchSize images per extractor call (one model micro-batch) and per durable commit
   * @param skipIndexed skip images the target index already holds (resume a folder or manifest run);
   *     off for sources whose later records may update an image (the topic)
   */
  public record Settings(int batchSize, boolean skipIndexed) {
    public static final int DEFAULT_BATCH_SIZE = 16;

    public Settings {
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
      }
    }
  }

  /** Progress after each batch: the counts so far and the source's size (-1 if unknown). */
  public record Progress(ReindexReport soFar, long total) {
    public long done() {
      return soFar.read();
    }
  }

  private final FeatureExtractor extractor;
  private final VectorIndex target;
  private final ModelKey targetModel;
  private final Policy policy;
  private final Settings settings;

  /**
   * @param extractor runs the NEW model
   * @param target the new model's index (opened for {@code targetModel})
   * @param policy the live matcher's policy: a reference it would refuse to register is refused here too, so a
   *     re-index cannot put into the new index what the matcher kept out of the old one
   */
  public ReindexJob(
      FeatureExtractor extractor,
      VectorIndex target,
      ModelKey targetModel,
      Policy policy,
      Settings settings) {
    this.extractor = Objects.requireNonNull(extractor, "extractor");
    this.target = Objects.requireNonNull(target, "target");
    this.targetModel = Objects.requireNonNull(targetModel, "targetModel");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  public ReindexReport run(ReindexSource source, Consumer<Progress> progress) {
    LOG.info(
        "re-indexing {} into model {}/{}",
        source.describe(),
        targetModel.modelId(),
        targetModel.modelVersion());
    long read = 0;
    long indexed = 0;
    long alreadyIndexed = 0;
    long deleted = 0;
    long failed = 0;
    List<String> failures = new ArrayList<>();
    for (List<ReindexItem> batch = source.next(settings.batchSize());
        !batch.isEmpty();
        batch = source.next(settings.batchSize())) {
      read += batch.size();
      List<UploadEvent> toExtract = new ArrayList<>();
      for (ReindexItem item : batch) {
        String refused = item.isDeletion() ? null : refusal(item.event());
        if (item.isDeletion()) {
          target.delete(item.ref());
          deleted++;
        } else if (refused != null) {
          // before the resume skip: a stricter policy also refuses what a laxer run indexed
          failed++;
          String line = item.ref().tenant() + "/" + item.ref().imageId() + ": " + refused;
          LOG.warn("re-index: {}", line);
          if (failures.size() < MAX_REPORTED_FAILURES) {
            failures.add(line);
          }
        } else if (settings.skipIndexed() && target.contains(item.ref())) {
          alreadyIndexed++;
        } else {
          toExtract.add(item.event());
        }
      }
      List<Extraction> results = toExtract.isEmpty() ? List.of() : extractor.extract(toExtract);
      for (int i = 0; i < results.size(); i++) {
        UploadEvent event = toExtract.get(i);
        String problem = switch (results.get(i)) {
          case Extraction.Extracted extracted -> {
            requireTargetModel(extracted.features());
            try {
              target.upsert(IndexEntries.of(extracted.features()));
              yield null;
            } catch (IllegalArgumentException unindexable) {
              // what the live matcher would dead-letter (e.g. a REFERENCE without a holder or set)
              yield "INVALID_EVENT " + unindexable.getMessage();
            }
          }
          case Extraction.Failed failure -> failure.reason() + " " + failure.detail();
        };
        if (problem == null) {
          indexed++;
        } else {
          failed++;
          String line = event.getTenant() + "/" + event.getImageId() + ": " + problem;
          LOG.warn("re-index: {}", line);
          if (failures.size() < MAX_REPORTED_FAILURES) {
            failures.add(line);
          }
        }
      }
      target.refresh();
      target.commit();
      source.acknowledge();
      progress.accept(new Progress(
          new ReindexReport(read, indexed, alreadyIndexed, deleted, failed, failures),
          source.size()));
    }
    ReindexReport report =
        new ReindexReport(read, indexed, alreadyIndexed, deleted, failed, failures);
    LOG.info("re-index of {} done: {}", source.describe(), report.summary());
    return report;
  }

  /**
   * Why the live matcher would refuse to register {@code event}, or null: a REFERENCE goes only into a set its tenant's
   * {@code registers} lists. The set is the event's reference set, else its rights holder, as the matcher reads it; an
   * event with neither is left to {@link IndexEntries}, which refuses it as the matcher does.
   */
  private String refusal(UploadEvent event) {
    if (event.getPurpose() != Purpose.REFERENCE) {
      return null;
    }
    String referenceSet =
        event.getReferenceSet() != null ? event.getReferenceSet() : event.getRightsHolder();
    if (referenceSet == null || referenceSet.isBlank()) {
      return null;
    }
    return policy.mayRegister(event.getTenant(), referenceSet)
        ? null
        : "REFUSED tenant " + event.getTenant() + " may not register works into reference set "
            + referenceSet + " (the policy's registers for this tenant does not list it)";
  }

  /** Descriptors of different models must never share an index. */
  private void requireTargetModel(ImageFeatures features) {
    ModelInfo model = features.getModel();
    if (!model.getId().equals(targetModel.modelId())
        || !model.getVersion().equals(targetModel.modelVersion())) {
      throw new IllegalStateException(
          "the extractor produced features of model " + model.getId() + "/" + model.getVersion()
              + " but the target index is for " + targetModel.idAndVersion());
    }
  }
}
