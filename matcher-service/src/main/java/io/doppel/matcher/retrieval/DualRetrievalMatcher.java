package io.doppel.matcher.retrieval;

import io.doppel.matcher.index.ImageMeta;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.policy.Policy;
import io.doppel.matcher.policy.PolicyDecision;
import io.doppel.matcher.policy.Query;
import io.doppel.matcher.policy.ScoredCandidate;
import io.doppel.matcher.policy.TenantPolicy;
import io.doppel.matcher.retrieval.MatchEvents.Subject;
import io.doppel.matcher.score.FusedScorer;
import io.doppel.matcher.verify.GeometricVerifier;
import io.doppel.matcher.verify.QueryView;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.Trigger;
import io.doppel.schemas.avro.ViewKind;
import io.doppel.topology.match.Matcher;
import io.doppel.topology.match.RefusedRecordException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The matcher: what happens to each kind of features. An UPLOAD is matched ({@link RetrievalCascade}), decided by the
 * tenant's policy and then indexed, so later uploads find it; a REFERENCE is indexed and retro-scanned against the
 * earlier uploads of the tenants subscribing to its set; a DELETE removes every row of the image.
 *
 * <p>Deterministic for a given index content and clock. Index failures ({@code IndexUnavailableException})
 * propagate: a decision is never made without the index.
 *
 * <p><b>Replays see what the first attempt saw.</b> An image's index write is made before its Kafka transaction
 * commits, so when that transaction aborts the row stays and the record is matched again. Each image's rows carry
 * when they were first written ({@link IndexedImage#writtenAtMillis()}, from a clock that never repeats a value). A
 * record whose image is already indexed with the same upload time and purpose is a replay: its searches (an upload's,
 * and a reference's retro-scan) admit only images first written before that write, and it is written again with the
 * same time, so that images decided after it still find it. Without this, an upload A replayed after B (a later
 * copy of A) found B, and A and B were each reported as the other's duplicate. A first attempt searches everything
 * indexed, as before. Guarded by {@code DualRetrievalMatcherTest.aReplayAfterAnAbortedTransactionDecidesAsTheFaultFreeRunDid}.
 */
public final class DualRetrievalMatcher implements Matcher {

  public static final String STAGE_RETRIEVE = StageTimings.RETRIEVE;
  public static final String STAGE_VERIFY = StageTimings.VERIFY;
  public static final String STAGE_SCORE = StageTimings.SCORE;
  public static final String STAGE_INDEX = StageTimings.INDEX;

  private final ModelKey model;
  private final VectorIndex index;
  private final Policy policy;
  private final RetrievalSettings settings;
  private final RetrievalCascade cascade;
  private final MatchEvents events;
  private final Clock clock;
  /** The last write time given out: times are strictly increasing within this matcher, whatever the clock does. */
  private final AtomicLong lastWrittenAt = new AtomicLong(Long.MIN_VALUE);

  /**
   * @param model the global-descriptor model the index holds; features of any other model are rejected
   */
  public DualRetrievalMatcher(
      ModelKey model,
      VectorIndex index,
      GeometricVerifier verifier,
      FusedScorer scorer,
      Policy policy,
      RetrievalSettings settings,
      Clock clock) {
    this.model = model;
    this.index = index;
    this.policy = policy;
    this.settings = settings;
    this.cascade = new RetrievalCascade(index, verifier, scorer, settings);
    this.events = new MatchEvents(policy.version(), scorer.calibrationVersion(), clock);
    this.clock = clock;
  }

  /** An earlier attempt's write of the image these features describe, or empty on a first attempt. */
  private Optional<ImageMeta> earlierAttempt(ImageFeatures features, ImageRef ref) {
    return index
        .meta(ref)
        .filter(meta -> meta.purpose() == features.getPurpose()
            && meta.indexedAtMillis() == features.getUploadedAt().toEpochMilli());
  }

  /** The write time of a first attempt: the clock, or one past the last time given out if the clock has not moved on. */
  private long nextWriteTime() {
    long now = clock.millis();
    return lastWrittenAt.updateAndGet(last -> Math.max(now, last + 1));
  }

  /** {@code scope} as a replay of an image first written at {@code earlier} may search it. */
  private static Scope asFirstSeen(Scope scope, Optional<ImageMeta> earlier) {
    return earlier.map(meta -> scope.writtenBefore(meta.writtenAtMillis())).orElse(scope);
  }

  @Override
  public void close() {
    index.close();
  }

  @Override
  public void commit() {
    index.commit();
  }

  @Override
  public List<MatchEvent> match(ImageFeatures features) {
    if (features.getPurpose() != Purpose.DELETE) {
      requireModel(features);
    }
    return switch (features.getPurpose()) {
      case DELETE -> List.of(delete(features));
      case UPLOAD -> List.of(upload(features));
      case REFERENCE -> register(features);
    };
  }

  /** Descriptors of different models are not comparable: such features belong to another matcher (or are misrouted). */
  private void requireModel(ImageFeatures features) {
    String id = features.getModel().getId();
    String version = features.getModel().getVersion();
    if (!model.modelId().equals(id) || !model.modelVersion().equals(version)) {
      throw new InvalidFeaturesException(features.getTenant() + "/" + features.getImageId()
          + ": features of model " + id + " " + version + ", this matcher's index holds "
          + model.modelId() + " " + model.modelVersion());
    }
  }

  private MatchEvent upload(ImageFeatures features) {
    QueryImage query =
        QueryImage.of(features, settings.localDescriptors(), settings.denseLocalDescriptors());
    StageTimings timings = new StageTimings();
    Optional<ImageMeta> earlier = earlierAttempt(features, query.ref());
    long writtenAt = earlier.map(ImageMeta::writtenAtMillis).orElseGet(this::nextWriteTime);
    List<VerifiedCandidate> ranked = cascade.findCopies(
        query,
        asFirstSeen(policy.scopeFor(query.ref().tenant(), query.ref()), earlier),
        RetrievalCascade.QuerySide.UPLOAD,
        timings);
    assert VerifiedCandidate.bestFirst(ranked) : "the cascade ranks best first";
    PolicyDecision decision = policy.decide(
        new Query(query.ref().tenant(), query.ref().imageId(), features.getUploader()),
        ranked.stream().map(VerifiedCandidate::forPolicy).toList());
    List<Match> matches = new ArrayList<>();
    for (int i = 0; i < ranked.size(); i++) {
      matches.add(MatchEvents.match(ranked.get(i), decision.kinds().get(i)));
    }
    timings.lap(StageTimings.SCORE);
    index.upsert(indexedImage(query, writtenAt));
    index.refresh();
    timings.lap(StageTimings.INDEX);
    return events.event(
        features,
        Subject.of(features),
        decision.decision(),
        matches,
        Trigger.UPLOAD,
        timings.micros());
  }

  private List<MatchEvent> register(ImageFeatures features) {
    QueryImage query =
        QueryImage.of(features, settings.localDescriptors(), settings.denseLocalDescriptors());
    String referenceSet = referenceSetOf(query);
    if (!policy.mayRegister(query.ref().tenant(), referenceSet)) {
      throw new RefusedRecordException(query.ref() + ": tenant " + query.ref().tenant()
          + " may not register works into reference set " + referenceSet
          + " (the policy's registers for this tenant does not list it)");
    }
    StageTimings timings = new StageTimings();
    Optional<ImageMeta> earlier = earlierAttempt(features, query.ref());
    index.upsert(indexedImage(
        query, earlier.map(ImageMeta::writtenAtMillis).orElseGet(this::nextWriteTime)));
    index.refresh();
    timings.lap(StageTimings.INDEX);
    List<MatchEvent> registered = new ArrayList<>();
    registered.add(events.event(
        features,
        Subject.of(features),
        Decision.REGISTERED,
        List.of(),
        Trigger.UPLOAD,
        timings.micros()));
    registered.addAll(retroScan(features, query, referenceSet, earlier));
    return registered;
  }

  /**
   * Earlier uploads of each subscribing tenant, within that tenant's look-back window before the
   * reference's registration, verified with the reference as the query; reported from the upload's side.
   */
  private List<MatchEvent> retroScan(
      ImageFeatures reference, QueryImage query, String referenceSet, Optional<ImageMeta> earlier) {
    List<MatchEvent> found = new ArrayList<>();
    long registeredAt = reference.getUploadedAt().toEpochMilli();
    for (String tenant : policy.subscribersOf(referenceSet)) {
      TenantPolicy tenantPolicy = policy.forTenant(tenant);
      Scope uploads = asFirstSeen(
          new Scope(
              Set.of(tenant),
              Set.of(),
              windowStart(registeredAt, tenantPolicy.retroScanLookback()),
              query.ref()),
          earlier);
      StageTimings timings = new StageTimings();
      for (VerifiedCandidate upload :
          cascade.findCopies(query, uploads, RetrievalCascade.QuerySide.ORIGINAL, timings)) {
        ScoredCandidate asReference = new ScoredCandidate(
            query.ref(),
            Purpose.REFERENCE,
            reference.getRightsHolder(),
            referenceSet,
            upload.score());
        PolicyDecision decision =
            policy.decide(new Query(tenant, upload.ref().imageId(), null), List.of(asReference));
        if (decision.decision() != Decision.COPYRIGHT_VIOLATION) {
          continue;
        }
        VerifiedCandidate fromUploadSide = new VerifiedCandidate(
            query.ref(),
            new ImageMeta(
                Purpose.REFERENCE,
                reference.getRightsHolder(),
                referenceSet,
                registeredAt,
                reference.getWidth(),
                reference.getHeight()),
            upload.globalSimilarity(),
            upload.localVotes(),
            upload.verification().reversed(),
            upload.score());
        Match match = MatchEvents.match(fromUploadSide, MatchKind.COPYRIGHT_VIOLATION);
        match.getHints().setInTile(false);
        Subject earlierUpload = new Subject(
            tenant,
            upload.ref().imageId(),
            Purpose.UPLOAD,
            null,
            null,
            null,
            Instant.ofEpochMilli(upload.meta().indexedAtMillis()));
        found.add(events.event(
            reference,
            earlierUpload,
            Decision.COPYRIGHT_VIOLATION,
            List.of(match),
            Trigger.RETRO_SCAN,
            timings.micros()));
      }
    }
    return found;
  }

  /** {@code registeredAt - lookback}, saturating: a look-back longer than the epoch covers everything. */
  static long windowStart(long registeredAt, Duration lookback) {
    try {
      return Math.subtractExact(registeredAt, lookback.toMillis());
    } catch (ArithmeticException tooLong) {
      return Scope.ALL_TIME;
    }
  }

  private MatchEvent delete(ImageFeatures features) {
    if (features.getTenant().isBlank() || features.getImageId().isBlank()) {
      throw new InvalidFeaturesException("a DELETE needs a tenant and an image id, got '"
          + features.getTenant() + "' / '" + features.getImageId() + "'");
    }
    StageTimings timings = new StageTimings();
    index.delete(new ImageRef(features.getTenant(), features.getImageId()));
    index.refresh();
    timings.lap(StageTimings.INDEX);
    return events.event(
        features,
        Subject.of(features),
        Decision.DELETED,
        List.of(),
        Trigger.UPLOAD,
        timings.micros());
  }

  /**
   * The rows the matcher indexes for {@code features} (UPLOAD or REFERENCE): FULL and TILE globals, the FULL view's
   * keypoints strongest first, indexed and written at the upload time. A re-index writes exactly these rows (the matcher
   * itself records when it first wrote them instead).
   */
  public static IndexedImage indexEntry(ImageFeatures features) {
    if (features.getPurpose() == Purpose.DELETE) {
      throw new InvalidFeaturesException(
          features.getTenant() + "/" + features.getImageId() + ": a DELETE has no index rows");
    }
    return indexedImage(QueryImage.of(features, 1, 1), features.getUploadedAt().toEpochMilli());
  }

  private static String referenceSetOf(QueryImage query) {
    ImageFeatures features = query.features();
    String referenceSet = features.getReferenceSet() != null
        ? features.getReferenceSet()
        : features.getRightsHolder();
    if (referenceSet == null || referenceSet.isBlank()) {
      throw new InvalidFeaturesException(
          query.ref() + ": a REFERENCE needs a rightsHolder or a referenceSet");
    }
    return referenceSet;
  }

  private static IndexedImage indexedImage(QueryImage query, long writtenAtMillis) {
    ImageFeatures features = query.features();
    boolean reference = features.getPurpose() == Purpose.REFERENCE;
    List<float[]> globals = new ArrayList<>();
    for (QueryView view : query.views()) {
      if (view.kind() == ViewKind.FULL || view.kind() == ViewKind.TILE) {
        globals.add(view.global());
      }
    }
    return new IndexedImage(
        query.ref(),
        features.getPurpose(),
        reference ? features.getRightsHolder() : null,
        reference ? referenceSetOf(query) : null,
        features.getUploadedAt().toEpochMilli(),
        features.getWidth(),
        features.getHeight(),
        globals,
        query.fullKeypointsStrongestFirst(),
        writtenAtMillis);
  }
}
