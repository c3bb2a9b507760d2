package io.doppel.matcher.retrieval;

import io.doppel.matcher.index.GlobalHit;
import io.doppel.matcher.index.ImageMeta;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.LocalVotes;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.policy.Policy;
import io.doppel.matcher.policy.PolicyDecision;
import io.doppel.matcher.policy.Query;
import io.doppel.matcher.policy.ScoredCandidate;
import io.doppel.matcher.policy.TenantPolicy;
import io.doppel.matcher.score.CandidateFeatures;
import io.doppel.matcher.score.FusedScorer;
import io.doppel.matcher.verify.GeometricVerifier;
import io.doppel.matcher.verify.QueryView;
import io.doppel.matcher.verify.RegionPoint;
import io.doppel.matcher.verify.Verification;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchHints;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.Point;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.Trigger;
import io.doppel.schemas.avro.ViewKind;
import io.doppel.topology.match.Matcher;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.util.VectorUtil;
import org.opencv.core.CvException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The matcher: dual retrieval (global ANN over every view: FULL, MIRROR, the TILEs of strips and the
 * global-only CROPs; local keypoint votes over the views with keypoints), geometric verification of the union, a calibrated score, then the tenant's policy.
 * Uploads are indexed after they are decided; references are indexed and then retro-scanned
 * against earlier uploads of the tenants subscribing to their set; deletes remove every row.
 *
 * <p>Deterministic for a given index content and clock. Index failures ({@code
 * IndexUnavailableException}) propagate: a decision is never made without the index.
 */
public final class DualRetrievalMatcher implements Matcher {

  public static final String STAGE_RETRIEVE = "retrieve";
  public static final String STAGE_VERIFY = "verify";
  public static final String STAGE_SCORE = "score";
  public static final String STAGE_INDEX = "index";

  private static final Logger LOG = LoggerFactory.getLogger(DualRetrievalMatcher.class);
  private static final long NANOS_PER_MICRO = 1_000;

  private final ModelKey model;
  private final VectorIndex index;
  private final GeometricVerifier verifier;
  private final FusedScorer scorer;
  private final Policy policy;
  private final RetrievalSettings settings;
  private final Clock clock;

  /**
   * @param model the global-descriptor model the index holds; features of any other model are rejected
   */
  public DualRetrievalMatcher(ModelKey model, VectorIndex index, GeometricVerifier verifier, FusedScorer scorer, Policy policy,
      RetrievalSettings settings, Clock clock) {
    this.model = model;
    this.index = index;
    this.verifier = verifier;
    this.scorer = scorer;
    this.policy = policy;
    this.settings = settings;
    this.clock = clock;
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
      throw new InvalidFeaturesException(features.getTenant() + "/" + features.getImageId() + ": features of model "
          + id + " " + version + ", this matcher's index holds " + model.modelId() + " " + model.modelVersion());
    }
  }

  /** One verified and scored candidate, with everything a Match reports. */
  private record Scored(ImageRef ref, ImageMeta meta, double globalSimilarity, int localVotes, Verification verification, double score) {
    ScoredCandidate forPolicy() {
      return new ScoredCandidate(ref, meta.purpose(), meta.rightsHolder(), meta.referenceSet(), score);
    }
  }

  /** What retrieval found about one image before verification, and through which query views. */
  private static final class Evidence {
    final ImageMeta meta;
    final BitSet foundBy = new BitSet();
    double globalSimilarity = Double.NEGATIVE_INFINITY;
    int localVotes;

    Evidence(ImageMeta meta) {
      this.meta = meta;
    }

    double similarityOrZero() {
      return Double.isFinite(globalSimilarity) ? globalSimilarity : 0;
    }
  }

  private static final class Timings {
    final Map<String, Long> micros = new LinkedHashMap<>();
    long started = System.nanoTime();

    void lap(String stage) {
      long now = System.nanoTime();
      micros.merge(stage, (now - started) / NANOS_PER_MICRO, Long::sum);
      started = now;
    }
  }

  private MatchEvent upload(ImageFeatures features) {
    QueryImage query = QueryImage.of(features, settings.localDescriptors());
    Timings timings = new Timings();
    List<Scored> ranked = findCopies(query, policy.scopeFor(query.ref().tenant(), query.ref()), timings);
    PolicyDecision decision = policy.decide(new Query(query.ref().tenant(), query.ref().imageId(), features.getUploader()),
        ranked.stream().map(Scored::forPolicy).toList());
    List<Match> matches = new ArrayList<>();
    for (int i = 0; i < ranked.size(); i++) {
      matches.add(toMatch(ranked.get(i), decision.kinds().get(i)));
    }
    timings.lap(STAGE_SCORE);
    index.upsert(indexedImage(query));
    index.refresh();
    timings.lap(STAGE_INDEX);
    return event(features, features.getTenant(), features.getImageId(), Purpose.UPLOAD, features.getUploader(),
        features.getSource(), decision.decision(), matches, Trigger.UPLOAD, timings, features.getUploadedAt());
  }

  private List<MatchEvent> register(ImageFeatures features) {
    QueryImage query = QueryImage.of(features, settings.localDescriptors());
    String referenceSet = referenceSetOf(query);
    Timings timings = new Timings();
    index.upsert(indexedImage(query));
    index.refresh();
    timings.lap(STAGE_INDEX);
    List<MatchEvent> events = new ArrayList<>();
    events.add(event(features, features.getTenant(), features.getImageId(), Purpose.REFERENCE, features.getUploader(),
        features.getSource(), Decision.REGISTERED, List.of(), Trigger.UPLOAD, timings, features.getUploadedAt()));
    events.addAll(retroScan(features, query, referenceSet));
    return events;
  }

  /**
   * Earlier uploads of each subscribing tenant, within that tenant's look-back window before the
   * reference's registration, verified with the reference as the query; reported from the upload's side.
   */
  private List<MatchEvent> retroScan(ImageFeatures reference, QueryImage query, String referenceSet) {
    List<MatchEvent> events = new ArrayList<>();
    long registeredAt = reference.getUploadedAt().toEpochMilli();
    for (String tenant : policy.subscribersOf(referenceSet)) {
      TenantPolicy tenantPolicy = policy.forTenant(tenant);
      Scope uploads = new Scope(Set.of(tenant), Set.of(), windowStart(registeredAt, tenantPolicy.retroScanLookback()), query.ref());
      Timings timings = new Timings();
      for (Scored found : findCopies(query, uploads, timings)) {
        ScoredCandidate asReference = new ScoredCandidate(query.ref(), Purpose.REFERENCE, reference.getRightsHolder(),
            referenceSet, found.score());
        PolicyDecision decision = policy.decide(new Query(tenant, found.ref().imageId(), null), List.of(asReference));
        if (decision.decision() != Decision.COPYRIGHT_VIOLATION) {
          continue;
        }
        Scored fromUploadSide = new Scored(query.ref(),
            new ImageMeta(Purpose.REFERENCE, reference.getRightsHolder(), referenceSet, registeredAt, reference.getWidth(), reference.getHeight()),
            found.globalSimilarity(), found.localVotes(), found.verification().reversed(), found.score());
        Match match = toMatch(fromUploadSide, MatchKind.COPYRIGHT_VIOLATION);
        match.getHints().setInTile(false);
        events.add(event(reference, tenant, found.ref().imageId(), Purpose.UPLOAD, null, null, Decision.COPYRIGHT_VIOLATION,
            List.of(match), Trigger.RETRO_SCAN, timings, Instant.ofEpochMilli(found.meta().indexedAtMillis())));
      }
    }
    return events;
  }

  /** {@code registeredAt - lookback}, saturating: a look-back longer than the epoch covers everything. */
  static long windowStart(long registeredAt, java.time.Duration lookback) {
    try {
      return Math.subtractExact(registeredAt, lookback.toMillis());
    } catch (ArithmeticException tooLong) {
      return Scope.ALL_TIME;
    }
  }

  private MatchEvent delete(ImageFeatures features) {
    if (features.getTenant().isBlank() || features.getImageId().isBlank()) {
      throw new InvalidFeaturesException("a DELETE needs a tenant and an image id, got '" + features.getTenant()
          + "' / '" + features.getImageId() + "'");
    }
    Timings timings = new Timings();
    index.delete(new ImageRef(features.getTenant(), features.getImageId()));
    index.refresh();
    timings.lap(STAGE_INDEX);
    return event(features, features.getTenant(), features.getImageId(), Purpose.DELETE, features.getUploader(),
        features.getSource(), Decision.DELETED, List.of(), Trigger.UPLOAD, timings, features.getUploadedAt());
  }

  /** Retrieve, verify and score: candidates in scope, best first (the cascade of {@link RetrievalSettings}). */
  private List<Scored> findCopies(QueryImage query, Scope scope, Timings timings) {
    if (scope.isEmpty()) {
      return List.of();
    }
    Map<ImageRef, Evidence> candidates = new HashMap<>();
    Set<ImageRef> bestOfEachView = new HashSet<>();
    retrieveGlobal(query, scope, candidates, bestOfEachView);
    timings.lap(STAGE_RETRIEVE);
    if (settings.globalOnly()) {
      return byGlobalSimilarity(candidates);
    }
    Map<ImageRef, Verification> verified = new HashMap<>();
    verifyAll(query, shortlist(candidates, settings.firstPassCap()).stream().map(Map.Entry::getKey).toList(), candidates,
        verified);
    timings.lap(STAGE_VERIFY);
    if (verified.entrySet().stream().anyMatch(
        entry -> settings.confident(entry.getValue().inliers()) && settles(candidates.get(entry.getKey()).meta, scope))) {
      return scored(candidates, verified);
    }
    retrieveLocal(query, scope, candidates, bestOfEachView);
    timings.lap(STAGE_RETRIEVE);
    Set<ImageRef> secondPass = new LinkedHashSet<>();
    shortlist(candidates, settings.candidateCap()).forEach(candidate -> secondPass.add(candidate.getKey()));
    bestOfEachView.stream().sorted(Comparator.comparing(ImageRef::tenant).thenComparing(ImageRef::imageId))
        .forEach(secondPass::add);
    secondPass.removeAll(verified.keySet());
    verifyAll(query, List.copyOf(secondPass), candidates, verified);
    timings.lap(STAGE_VERIFY);
    completeGlobalSimilarity(query, verified.keySet(), candidates);
    timings.lap(STAGE_RETRIEVE);
    return scored(candidates, verified);
  }

  /**
   * The global similarity of the verified candidates that only local votes found, from their stored vectors: the best
   * cosine over the query's views and the candidate's, as the global search would have measured it. Left unknown, it
   * scored as 0, below what unrelated images reach (a DEV copy with 32 inliers scored 0.47 that way).
   */
  private void completeGlobalSimilarity(QueryImage query, Set<ImageRef> verified, Map<ImageRef, Evidence> candidates) {
    List<ImageRef> unranked = verified.stream().filter(ref -> !Double.isFinite(candidates.get(ref).globalSimilarity)).toList();
    if (unranked.isEmpty()) {
      return;
    }
    List<float[]> views = query.views().stream().map(QueryView::global).toList();
    index.globalVectors(unranked).forEach((ref, stored) -> {
      Evidence evidence = candidates.get(ref);
      for (float[] vector : stored) {
        for (float[] view : views) {
          evidence.globalSimilarity = Math.max(evidence.globalSimilarity, VectorUtil.cosine(view, vector));
        }
      }
    });
  }

  /**
   * Whether a confident match with {@code candidate} ends the search early. One with an earlier upload does not, where
   * the scope holds registered works: the query may also copy a work that the first pass did not verify (in DEV, a
   * strip sharing its filler photos with an earlier strip stopped there, and its panel copying a reference, found only
   * by a tile's local votes, went unreported in some runs, depending on which strip the matcher saw first).
   */
  private static boolean settles(ImageMeta candidate, Scope scope) {
    return candidate.purpose() == Purpose.REFERENCE || scope.referenceSets().isEmpty();
  }

  /** The verified candidates, scored, best first. */
  private List<Scored> scored(Map<ImageRef, Evidence> candidates, Map<ImageRef, Verification> verified) {
    List<Scored> scored = new ArrayList<>(verified.size());
    verified.forEach((ref, verification) -> {
      Evidence evidence = candidates.get(ref);
      double score = scorer.score(new CandidateFeatures(evidence.similarityOrZero(), evidence.localVotes,
          verification.inliers(), verification.queryAreaShare()));
      scored.add(new Scored(ref, evidence.meta, evidence.similarityOrZero(), evidence.localVotes, verification, score));
    });
    scored.sort(BEST_FIRST);
    return scored;
  }

  /** Global-only mode: the {@code candidateCap} nearest images by cosine similarity, unverified. */
  private List<Scored> byGlobalSimilarity(Map<ImageRef, Evidence> candidates) {
    List<Scored> scored = new ArrayList<>(candidates.size());
    candidates.forEach((ref, evidence) -> scored.add(new Scored(ref, evidence.meta, evidence.similarityOrZero(), 0,
        Verification.unverified(ViewKind.FULL, 0), evidence.similarityOrZero())));
    scored.sort(BEST_FIRST);
    return List.copyOf(scored.subList(0, Math.min(settings.candidateCap(), scored.size())));
  }

  private static final Comparator<Scored> BEST_FIRST = Comparator.comparingDouble(Scored::score).reversed()
      .thenComparing(s -> s.ref().tenant()).thenComparing(s -> s.ref().imageId());

  /** Global hits of every view into {@code candidates}; each view's best few also into {@code bestOfEachView}. */
  private void retrieveGlobal(QueryImage query, Scope scope, Map<ImageRef, Evidence> candidates, Set<ImageRef> bestOfEachView) {
    List<float[]> globals = query.views().stream().map(QueryView::global).toList();
    List<List<GlobalHit>> hitsPerView = index.searchGlobalBatch(globals, settings.globalTopK(), scope);
    for (int view = 0; view < hitsPerView.size(); view++) {
      List<GlobalHit> hits = hitsPerView.get(view);
      hits.stream().limit(settings.perViewCandidates()).forEach(hit -> bestOfEachView.add(hit.ref()));
      for (GlobalHit hit : hits) {
        Evidence evidence = candidates.computeIfAbsent(hit.ref(), ref -> new Evidence(hit.meta()));
        evidence.globalSimilarity = Math.max(evidence.globalSimilarity, hit.similarity());
        evidence.foundBy.set(view);
      }
    }
  }

  /** Local votes of every view into {@code candidates}; each view's best few also into {@code bestOfEachView}. */
  private void retrieveLocal(QueryImage query, Scope scope, Map<ImageRef, Evidence> candidates, Set<ImageRef> bestOfEachView) {
    List<Integer> searchedViews = new ArrayList<>();
    List<List<byte[]>> descriptorSets = new ArrayList<>();
    for (int view = 0; view < query.strongestDescriptors().size(); view++) {
      if (!query.strongestDescriptors().get(view).isEmpty()) {
        searchedViews.add(view);
        descriptorSets.add(query.strongestDescriptors().get(view));
      }
    }
    List<List<LocalVotes>> votesPerSet = index.searchLocalBatch(descriptorSets, settings.localNeighbours(),
        settings.localMaxHamming(), settings.localMaxImages(), scope);
    for (int set = 0; set < votesPerSet.size(); set++) {
      List<LocalVotes> votes = votesPerSet.get(set);
      votes.stream().limit(settings.perViewCandidates()).forEach(vote -> bestOfEachView.add(vote.ref()));
      for (LocalVotes vote : votes) {
        Evidence evidence = candidates.computeIfAbsent(vote.ref(), ref -> new Evidence(vote.meta()));
        // views overlap (FULL and MIRROR are the same pixels, tiles overlap): the best view counts, not their sum
        evidence.localVotes = Math.max(evidence.localVotes, vote.votes());
        evidence.foundBy.set(searchedViews.get(set));
      }
    }
  }

  /** The {@code limit} most promising candidates by their retrieval evidence alone (score with no inliers). */
  private List<Map.Entry<ImageRef, Evidence>> shortlist(Map<ImageRef, Evidence> candidates, int limit) {
    Comparator<Map.Entry<ImageRef, Evidence>> promise = Comparator.comparingDouble(
        (Map.Entry<ImageRef, Evidence> e) -> scorer.score(new CandidateFeatures(e.getValue().similarityOrZero(), e.getValue().localVotes, 0, 0)));
    return candidates.entrySet().stream()
        .sorted(promise.reversed().thenComparing(e -> e.getKey().tenant()).thenComparing(e -> e.getKey().imageId()))
        .limit(limit)
        .toList();
  }

  /** Verifies each of {@code refs} into {@code verified}, their stored keypoints fetched in one index call. */
  private void verifyAll(QueryImage query, List<ImageRef> refs, Map<ImageRef, Evidence> candidates,
      Map<ImageRef, Verification> verified) {
    if (refs.isEmpty()) {
      return;
    }
    Map<ImageRef, StoredKeypoints> stored = index.keypointsBatch(refs);
    for (ImageRef ref : refs) {
      Evidence evidence = candidates.get(ref);
      verified.put(ref, verifyBest(query, ref, stored.get(ref), evidence.meta, evidence.foundBy));
    }
  }

  /**
   * Verifies the FULL view and the other views that retrieved the candidate ({@code foundBy}), in order (FULL, MIRROR,
   * then the tiles of tall or wide queries), and keeps the best; stops at the first view that explains the query
   * confidently, except for strips, whose tiles locate the copy more tightly. A view that did not retrieve the
   * candidate is skipped: a mirrored copy is what the MIRROR view's descriptors find, a copy in one panel of a strip
   * what that panel's tile finds, and verifying every view of a 20-tile strip against 30 candidates was most of the
   * matcher's time. A global-only CROP view has no keypoints: its candidates are verified through FULL.
   */
  private Verification verifyBest(QueryImage query, ImageRef candidate, StoredKeypoints stored, ImageMeta meta, BitSet foundBy) {
    Verification best = Verification.unverified(ViewKind.FULL, 0);
    for (int viewIndex = 0; viewIndex < query.views().size(); viewIndex++) {
      QueryView view = query.views().get(viewIndex);
      if (view.keypoints().size() == 0 || (view.kind() != ViewKind.FULL && !foundBy.get(viewIndex))) {
        continue;
      }
      try {
        Verification result = verifier.verify(view, stored, meta.width(), meta.height());
        if (result.betterThan(best)) {
          best = result;
        }
        if (settings.confident(best.inliers()) && !query.hasTiles()) {
          break;
        }
      } catch (IllegalArgumentException | CvException e) {
        // one unusable stored image must not decide the whole upload; it counts as unverified
        LOG.warn("verification of {} against {} ({} view) failed: {}", query.ref(), candidate, view.kind(), e.getMessage());
      }
    }
    return best;
  }

  /**
   * The rows the matcher indexes for {@code features} (UPLOAD or REFERENCE): FULL and TILE globals, the FULL view's
   * keypoints strongest first, indexed at the upload time. A re-index writes exactly these.
   */
  public static IndexedImage indexEntry(ImageFeatures features) {
    if (features.getPurpose() == Purpose.DELETE) {
      throw new InvalidFeaturesException(features.getTenant() + "/" + features.getImageId() + ": a DELETE has no index rows");
    }
    return indexedImage(QueryImage.of(features, 1));
  }

  private static String referenceSetOf(QueryImage query) {
    ImageFeatures features = query.features();
    String referenceSet = features.getReferenceSet() != null ? features.getReferenceSet() : features.getRightsHolder();
    if (referenceSet == null || referenceSet.isBlank()) {
      throw new InvalidFeaturesException(query.ref() + ": a REFERENCE needs a rightsHolder or a referenceSet");
    }
    return referenceSet;
  }

  private static IndexedImage indexedImage(QueryImage query) {
    ImageFeatures features = query.features();
    boolean reference = features.getPurpose() == Purpose.REFERENCE;
    List<float[]> globals = new ArrayList<>();
    for (QueryView view : query.views()) {
      if (view.kind() == ViewKind.FULL || view.kind() == ViewKind.TILE) {
        globals.add(view.global());
      }
    }
    return new IndexedImage(query.ref(), features.getPurpose(), reference ? features.getRightsHolder() : null,
        reference ? referenceSetOf(query) : null, features.getUploadedAt().toEpochMilli(),
        features.getWidth(), features.getHeight(), globals, query.fullKeypointsStrongestFirst());
  }

  private static Match toMatch(Scored scored, MatchKind kind) {
    Verification v = scored.verification();
    return Match.newBuilder()
        .setTenant(scored.ref().tenant())
        .setImageId(scored.ref().imageId())
        .setKind(kind)
        .setRightsHolder(scored.meta().rightsHolder())
        .setReferenceSet(scored.meta().referenceSet())
        .setScore((float) scored.score())
        .setGlobalSimilarity((float) scored.globalSimilarity())
        .setLocalVotes(scored.localVotes())
        .setInliers(v.inliers())
        .setInlierAreaShare((float) v.queryAreaShare())
        .setTentativeMatches(v.tentativeMatches())
        .setQueryRegion(points(v.queryRegion()))
        .setReferenceRegion(points(v.candidateRegion()))
        .setHints(MatchHints.newBuilder()
            .setMirrored(v.verified() && v.mirrored())
            .setCroppedShare((float) v.candidateCroppedShare())
            .setRotationDegrees((float) v.rotationDegrees())
            .setScale((float) v.scale())
            .setInTile(v.verified() && v.inTile())
            .build())
        .build();
  }

  private static List<Point> points(List<RegionPoint> region) {
    return region.stream().map(p -> new Point((float) p.x(), (float) p.y())).toList();
  }

  private MatchEvent event(ImageFeatures features, String tenant, String imageId, Purpose purpose, String uploader,
      String source, Decision decision, List<Match> matches, Trigger trigger, Timings timings, Instant uploadedAt) {
    Map<String, Long> stageMicros = new LinkedHashMap<>(features.getStageMicros());
    stageMicros.putAll(timings.micros);
    return MatchEvent.newBuilder()
        .setTenant(tenant)
        .setImageId(imageId)
        .setPurpose(purpose)
        .setUploader(uploader)
        .setSource(source)
        .setDecision(decision)
        .setMatches(matches)
        .setTrigger(trigger)
        .setPolicyVersion(policy.version())
        .setModelId(features.getModel().getId())
        .setModelVersion(features.getModel().getVersion())
        .setCalibrationVersion(scorer.calibrationVersion())
        .setStageMicros(stageMicros)
        .setUploadedAt(uploadedAt)
        .setDecidedAt(clock.instant())
        .build();
  }
}
