package io.doppel.matcher.retrieval;

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
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns the matcher's results into the contract's records: {@link Match} and {@link MatchEvent}. Pure. */
final class MatchEvents {

  /**
   * The image an event is about: the upload itself, or, for a retro-scan, an earlier upload found by a new reference.
   *
   * @param uploader null where the event is not about the uploaded image itself
   * @param source null where the event is not about the uploaded image itself
   * @param contentSha256 the digest of the bytes analysed at {@code source}; null with it, or from an older extractor
   */
  record Subject(
      String tenant,
      String imageId,
      Purpose purpose,
      String uploader,
      String source,
      String contentSha256,
      Instant uploadedAt) {

    /** The image the features describe. */
    static Subject of(ImageFeatures features) {
      return new Subject(
          features.getTenant(),
          features.getImageId(),
          features.getPurpose(),
          features.getUploader(),
          features.getSource(),
          features.getContentSha256(),
          features.getUploadedAt());
    }
  }

  private final String policyVersion;
  private final String calibrationVersion;
  private final Clock clock;

  MatchEvents(String policyVersion, String calibrationVersion, Clock clock) {
    this.policyVersion = policyVersion;
    this.calibrationVersion = calibrationVersion;
    this.clock = clock;
  }

  /**
   * The event about {@code subject}, decided while matching {@code cause} (whose model and stage times it reports,
   * with the matcher's {@code stageMicros} added).
   */
  MatchEvent event(
      ImageFeatures cause,
      Subject subject,
      Decision decision,
      List<Match> matches,
      Trigger trigger,
      Map<String, Long> stageMicros) {
    Map<String, Long> stages = new LinkedHashMap<>(cause.getStageMicros());
    stages.putAll(stageMicros);
    return MatchEvent.newBuilder()
        .setTenant(subject.tenant())
        .setImageId(subject.imageId())
        .setPurpose(subject.purpose())
        .setUploader(subject.uploader())
        .setSource(subject.source())
        .setContentSha256(subject.contentSha256())
        .setDecision(decision)
        .setMatches(matches)
        .setTrigger(trigger)
        .setPolicyVersion(policyVersion)
        .setModelId(cause.getModel().getId())
        .setModelVersion(cause.getModel().getVersion())
        .setCalibrationVersion(calibrationVersion)
        .setStageMicros(stages)
        .setUploadedAt(subject.uploadedAt())
        .setDecidedAt(clock.instant())
        .build();
  }

  /** A match as reported: the candidate's evidence, its verified regions in both images, and hints. */
  static Match match(VerifiedCandidate candidate, MatchKind kind) {
    Verification v = candidate.verification();
    return Match.newBuilder()
        .setTenant(candidate.ref().tenant())
        .setImageId(candidate.ref().imageId())
        .setKind(kind)
        .setRightsHolder(candidate.meta().rightsHolder())
        .setReferenceSet(candidate.meta().referenceSet())
        .setScore((float) candidate.score())
        .setGlobalSimilarity((float) candidate.globalSimilarity())
        .setLocalVotes(candidate.localVotes())
        .setInliers(v.inliers())
        .setInlierAreaShare((float) v.queryAreaShare())
        .setTentativeMatches(v.tentativeMatches())
        .setReferenceCoverage((float) v.candidateCoverage().share())
        .setInlierDensity((float) v.candidateCoverage().density())
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
}
