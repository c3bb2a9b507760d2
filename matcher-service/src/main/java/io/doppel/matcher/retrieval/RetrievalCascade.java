package io.doppel.matcher.retrieval;

import io.doppel.matcher.index.GlobalHit;
import io.doppel.matcher.index.ImageMeta;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.LocalVotes;
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.score.CandidateFeatures;
import io.doppel.matcher.score.FusedScorer;
import io.doppel.matcher.verify.GeometricVerifier;
import io.doppel.matcher.verify.QueryView;
import io.doppel.matcher.verify.Verification;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.ViewKind;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.lucene.util.VectorUtil;
import org.opencv.core.CvException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrieval cascade of {@link RetrievalSettings}: global hits of every query view (FULL, MIRROR, strip TILEs,
 * global-only CROPs); the most promising verified first, and if none explains the query, local keypoint votes add
 * candidates and the best of the union are verified; each verified candidate gets its calibrated score.
 *
 * <pre>
 * first pass  = top firstPassCap of global hits by promise (score with no inliers)
 * stop early  ⇔ a first-pass candidate has ≥ confidentInliers and settles the scope
 * dense look  = the first pass's candidates verified again through the DENSE view
 * second pass = top candidateCap of global ∪ local by promise  ∪  best perViewCandidates of each view
 * </pre>
 *
 * Deterministic for a given index content: ties are broken by tenant and image id. Index failures propagate.
 */
final class RetrievalCascade {

  private static final Logger LOG = LoggerFactory.getLogger(RetrievalCascade.class);

  private final VectorIndex index;
  private final GeometricVerifier verifier;
  private final FusedScorer scorer;
  private final RetrievalSettings settings;

  RetrievalCascade(
      VectorIndex index,
      GeometricVerifier verifier,
      FusedScorer scorer,
      RetrievalSettings settings) {
    this.index = index;
    this.verifier = verifier;
    this.scorer = scorer;
    this.settings = settings;
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

  /** Which side of the pairs the query is: the image that may copy (an upload), or the original that may be copied. */
  enum QuerySide {
    UPLOAD,
    ORIGINAL
  }

  /**
   * Retrieves, verifies and scores the candidates in {@code scope}, best first. The score weighs the evidence the same
   * way whichever side the query is ({@code side}): an upload matched against earlier images, or a registered work
   * retro-scanned against earlier uploads.
   */
  List<VerifiedCandidate> findCopies(
      QueryImage query, Scope scope, QuerySide side, StageTimings timings) {
    if (scope.isEmpty()) {
      return List.of();
    }
    Map<ImageRef, Evidence> candidates = new HashMap<>();
    Set<ImageRef> bestOfEachView = new HashSet<>();
    retrieveGlobal(query, scope, candidates, bestOfEachView);
    timings.lap(StageTimings.RETRIEVE);
    if (settings.globalOnly()) {
      return byGlobalSimilarity(candidates);
    }
    Map<ImageRef, Verification> verified = new HashMap<>();
    List<ImageRef> firstPass = shortlist(candidates, settings.firstPassCap()).stream()
        .map(Map.Entry::getKey)
        .toList();
    Map<ImageRef, StoredKeypoints> firstPassKeypoints =
        verifyAll(query, firstPass, candidates, verified);
    timings.lap(StageTimings.VERIFY);
    if (verified.entrySet().stream()
        .anyMatch(entry -> settings.confident(entry.getValue().inliers())
            && settles(candidates.get(entry.getKey()).meta, scope))) {
      return scored(candidates, verified, side == QuerySide.ORIGINAL);
    }
    verifyDense(query, firstPassKeypoints, candidates, verified);
    timings.lap(StageTimings.VERIFY);
    retrieveLocal(query, scope, candidates, bestOfEachView);
    timings.lap(StageTimings.RETRIEVE);
    Set<ImageRef> secondPass = new LinkedHashSet<>();
    shortlist(candidates, settings.candidateCap())
        .forEach(candidate -> secondPass.add(candidate.getKey()));
    bestOfEachView.stream()
        .sorted(Comparator.comparing(ImageRef::tenant).thenComparing(ImageRef::imageId))
        .forEach(secondPass::add);
    secondPass.removeAll(verified.keySet());
    verifyAll(query, List.copyOf(secondPass), candidates, verified);
    timings.lap(StageTimings.VERIFY);
    completeGlobalSimilarity(query, verified.keySet(), candidates);
    timings.lap(StageTimings.RETRIEVE);
    return scored(candidates, verified, side == QuerySide.ORIGINAL);
  }

  /**
   * Verifies the first pass's unsettled candidates once more through the DENSE view, keeping the better result. A copy
   * the global search ranks first can still fail FULL's verification when FULL's few keypoints fall on what was added
   * (a meme's caption band, a feed's chrome), and need not be among the images DENSE's own keypoints vote for most, so
   * without this no view with enough keypoints would verify it. Costs at most {@code firstPassCap} DENSE verifications,
   * only for uploads the first pass did not settle. Guarded by {@code DualRetrievalMatcherTest}.
   */
  private void verifyDense(
      QueryImage query,
      Map<ImageRef, StoredKeypoints> firstPass,
      Map<ImageRef, Evidence> candidates,
      Map<ImageRef, Verification> verified) {
    int dense = query.denseView();
    if (dense < 0) {
      return;
    }
    QueryView view = query.views().get(dense);
    firstPass.forEach((ref, stored) -> {
      if (!settings.confident(verified.get(ref).inliers())) {
        Verification result = verifyView(query, ref, view, stored, candidates.get(ref).meta);
        if (result.betterThan(verified.get(ref))) {
          verified.put(ref, result);
        }
      }
    });
  }

  /**
   * The global similarity of the verified candidates that only local votes found, from their stored vectors: the best
   * cosine over the query's views and the candidate's, as the global search would have measured it. Left unknown, it
   * would score as 0, below what unrelated images reach, and throw a copy's global evidence away.
   */
  private void completeGlobalSimilarity(
      QueryImage query, Set<ImageRef> verified, Map<ImageRef, Evidence> candidates) {
    List<ImageRef> unranked = verified.stream()
        .filter(ref -> !Double.isFinite(candidates.get(ref).globalSimilarity))
        .toList();
    if (unranked.isEmpty()) {
      return;
    }
    List<float[]> views = query.views().stream().map(QueryView::global).toList();
    index.globalVectors(unranked).forEach((ref, stored) -> {
      Evidence evidence = candidates.get(ref);
      for (float[] vector : stored) {
        for (float[] view : views) {
          evidence.globalSimilarity =
              Math.max(evidence.globalSimilarity, VectorUtil.cosine(view, vector));
        }
      }
    });
  }

  /**
   * Whether a confident match with {@code candidate} ends the search early. One with an earlier upload does not, where
   * the scope holds registered works: the query may also copy a work the first pass did not verify, such as a strip
   * that shares its filler photos with an earlier strip while one panel copies a reference only a tile's local votes
   * find. Guarded by {@code DualRetrievalMatcherTest}.
   */
  private static boolean settles(ImageMeta candidate, Scope scope) {
    return candidate.purpose() == Purpose.REFERENCE || scope.referenceSets().isEmpty();
  }

  /** The verified candidates, scored, best first. */
  private List<VerifiedCandidate> scored(
      Map<ImageRef, Evidence> candidates,
      Map<ImageRef, Verification> verified,
      boolean queryIsOriginal) {
    List<VerifiedCandidate> scored = new ArrayList<>(verified.size());
    verified.forEach((ref, verification) -> {
      Evidence evidence = candidates.get(ref);
      Verification uploadAsQuery = queryIsOriginal ? verification.reversed() : verification;
      double score = scorer.score(
          CandidateFeatures.of(evidence.similarityOrZero(), evidence.localVotes, uploadAsQuery));
      scored.add(new VerifiedCandidate(
          ref,
          evidence.meta,
          evidence.similarityOrZero(),
          evidence.localVotes,
          verification,
          score));
    });
    scored.sort(VerifiedCandidate.BEST_FIRST);
    return scored;
  }

  /** Global-only mode: the {@code candidateCap} nearest images by cosine similarity, unverified. */
  private List<VerifiedCandidate> byGlobalSimilarity(Map<ImageRef, Evidence> candidates) {
    List<VerifiedCandidate> scored = new ArrayList<>(candidates.size());
    candidates.forEach((ref, evidence) -> scored.add(new VerifiedCandidate(
        ref,
        evidence.meta,
        evidence.similarityOrZero(),
        0,
        Verification.unverified(ViewKind.FULL, 0),
        evidence.similarityOrZero())));
    scored.sort(VerifiedCandidate.BEST_FIRST);
    return List.copyOf(scored.subList(0, Math.min(settings.candidateCap(), scored.size())));
  }

  /** Global hits of every view into {@code candidates}; each view's best few also into {@code bestOfEachView}. */
  private void retrieveGlobal(
      QueryImage query,
      Scope scope,
      Map<ImageRef, Evidence> candidates,
      Set<ImageRef> bestOfEachView) {
    // DENSE carries FULL's vector: searching it again would find FULL's hits and mark each for the
    // costly DENSE verification; DENSE's candidates are those its own keypoints vote for
    List<Integer> searched = new ArrayList<>();
    for (int view = 0; view < query.views().size(); view++) {
      if (!query.views().get(view).isDense()) {
        searched.add(view);
      }
    }
    List<float[]> globals =
        searched.stream().map(view -> query.views().get(view).global()).toList();
    List<List<GlobalHit>> hitsPerView =
        index.searchGlobalBatch(globals, settings.globalTopK(), scope);
    for (int set = 0; set < hitsPerView.size(); set++) {
      int view = searched.get(set);
      List<GlobalHit> hits = hitsPerView.get(set);
      hits.stream()
          .limit(settings.perViewCandidates())
          .forEach(hit -> bestOfEachView.add(hit.ref()));
      for (GlobalHit hit : hits) {
        Evidence evidence = candidates.computeIfAbsent(hit.ref(), ref -> new Evidence(hit.meta()));
        evidence.globalSimilarity = Math.max(evidence.globalSimilarity, hit.similarity());
        evidence.foundBy.set(view);
      }
    }
  }

  /** Local votes of every view into {@code candidates}; each view's best few also into {@code bestOfEachView}. */
  private void retrieveLocal(
      QueryImage query,
      Scope scope,
      Map<ImageRef, Evidence> candidates,
      Set<ImageRef> bestOfEachView) {
    List<Integer> searchedViews = new ArrayList<>();
    List<List<byte[]>> descriptorSets = new ArrayList<>();
    for (int view = 0; view < query.strongestDescriptors().size(); view++) {
      if (!query.strongestDescriptors().get(view).isEmpty()) {
        searchedViews.add(view);
        descriptorSets.add(query.strongestDescriptors().get(view));
      }
    }
    List<List<LocalVotes>> votesPerSet = index.searchLocalBatch(
        descriptorSets,
        settings.localNeighbours(),
        settings.localMaxHamming(),
        settings.localMaxImages(),
        scope);
    for (int set = 0; set < votesPerSet.size(); set++) {
      List<LocalVotes> votes = votesPerSet.get(set);
      votes.stream()
          .limit(settings.perViewCandidates())
          .forEach(vote -> bestOfEachView.add(vote.ref()));
      int view = searchedViews.get(set);
      boolean dense = query.views().get(view).isDense();
      for (int rank = 0; rank < votes.size(); rank++) {
        LocalVotes vote = votes.get(rank);
        Evidence evidence =
            candidates.computeIfAbsent(vote.ref(), ref -> new Evidence(vote.meta()));
        // views overlap (FULL and MIRROR are the same pixels, tiles overlap): the best view counts,
        // not their sum
        evidence.localVotes = Math.max(evidence.localVotes, vote.votes());
        if (!dense || rank < settings.firstPassCap()) {
          // DENSE, the costliest view to verify, verifies only the images it votes for most
          evidence.foundBy.set(view);
        }
      }
    }
  }

  /** The {@code limit} most promising candidates by their retrieval evidence alone (score with no inliers). */
  private List<Map.Entry<ImageRef, Evidence>> shortlist(
      Map<ImageRef, Evidence> candidates, int limit) {
    Comparator<Map.Entry<ImageRef, Evidence>> promise = Comparator.comparingDouble(
        (Map.Entry<ImageRef, Evidence> e) -> scorer.score(CandidateFeatures.unverified(
            e.getValue().similarityOrZero(), e.getValue().localVotes)));
    return candidates.entrySet().stream()
        .sorted(promise
            .reversed()
            .thenComparing(e -> e.getKey().tenant())
            .thenComparing(e -> e.getKey().imageId()))
        .limit(limit)
        .toList();
  }

  /**
   * Verifies each of {@code refs} into {@code verified}, their stored keypoints fetched in one index call; returns
   * those keypoints, for the DENSE view's second look.
   */
  private Map<ImageRef, StoredKeypoints> verifyAll(
      QueryImage query,
      List<ImageRef> refs,
      Map<ImageRef, Evidence> candidates,
      Map<ImageRef, Verification> verified) {
    if (refs.isEmpty()) {
      return Map.of();
    }
    Map<ImageRef, StoredKeypoints> stored = index.keypointsBatch(refs);
    for (ImageRef ref : refs) {
      Evidence evidence = candidates.get(ref);
      verified.put(ref, verifyBest(query, ref, stored.get(ref), evidence.meta, evidence.foundBy));
    }
    return stored;
  }

  /**
   * Verifies the FULL view and the other views that retrieved the candidate ({@code foundBy}), in order (FULL, MIRROR,
   * the tiles of strips, the regions of layouts), and keeps the best; stops at the first view that explains the query
   * confidently, except where the query has sub-pictures (tiles, regions), which locate the copy more tightly. A view
   * that did not retrieve the candidate is skipped: a mirrored copy is what the MIRROR view's descriptors find, a copy
   * in one panel of a strip or one tile of a collage what that sub-picture finds, and verifying every view against
   * every candidate would be most of the matcher's time. A global-only CROP view has no keypoints: its candidates are
   * verified through FULL. The DENSE view, the costliest to verify (several times FULL's keypoints), is skipped for a
   * candidate another view has already verified confidently (it would only add inliers to a settled match), and is
   * tried only on the {@code firstPassCap} images its own keypoints voted for most (see {@link #retrieveLocal}).
   */
  private Verification verifyBest(
      QueryImage query,
      ImageRef candidate,
      StoredKeypoints stored,
      ImageMeta meta,
      BitSet foundBy) {
    Verification best = Verification.unverified(ViewKind.FULL, 0);
    for (int viewIndex = 0; viewIndex < query.views().size(); viewIndex++) {
      QueryView view = query.views().get(viewIndex);
      if (view.keypoints().size() == 0
          || (view.kind() != ViewKind.FULL && !foundBy.get(viewIndex))
          || (view.isDense() && settings.confident(best.inliers()))) {
        continue;
      }
      Verification result = verifyView(query, candidate, view, stored, meta);
      if (result.betterThan(best)) {
        best = result;
      }
      if (settings.confident(best.inliers()) && !query.hasSubPictures()) {
        break;
      }
    }
    return best;
  }

  /** One view verified against one candidate; unverified (never better than any result) where it cannot be. */
  private Verification verifyView(
      QueryImage query,
      ImageRef candidate,
      QueryView view,
      StoredKeypoints stored,
      ImageMeta meta) {
    try {
      return verifier.verify(view, stored, meta.width(), meta.height());
    } catch (IllegalArgumentException | CvException e) {
      // one unusable stored image must not decide the whole upload; it counts as unverified
      LOG.warn(
          "verification of {} against {} ({} view) failed: {}",
          query.ref(),
          candidate,
          view.kind(),
          e.getMessage());
      return Verification.unverified(view.kind(), 0);
    }
  }
}
