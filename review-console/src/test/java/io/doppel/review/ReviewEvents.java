package io.doppel.review;

import io.doppel.image.ContentDigest;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.Purpose;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** MatchEvents as the matcher writes them, for the console's tests: the source's bytes carry their digest. */
public final class ReviewEvents {

  public static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

  private ReviewEvents() {}

  /** A decision on an upload by {@code user-1} of {@code source}, decided at {@link #NOW}. */
  public static MatchEvent event(
      String tenant, String imageId, Decision decision, Path source, List<Match> matches)
      throws IOException {
    return MatchEvent.newBuilder()
        .setTenant(tenant)
        .setImageId(imageId)
        .setPurpose(Purpose.UPLOAD)
        .setUploader("user-1")
        .setSource(source.toUri().toString())
        .setContentSha256(ContentDigest.sha256(Files.readAllBytes(source)))
        .setDecision(decision)
        .setMatches(matches)
        .setPolicyVersion("policy-7")
        .setModelId("m")
        .setModelVersion("1")
        .setCalibrationVersion("c1")
        .setStageMicros(Map.of())
        .setUploadedAt(NOW)
        .setDecidedAt(NOW)
        .build();
  }

  /** A copyright violation of {@code studio}'s {@code referenceId}, well verified; the caller sets its hints. */
  public static Match.Builder violationOf(String referenceId) {
    return Match.newBuilder()
        .setTenant("studio")
        .setImageId(referenceId)
        .setKind(MatchKind.COPYRIGHT_VIOLATION)
        .setRightsHolder("studio")
        .setScore(0.97f)
        .setGlobalSimilarity(0.9f)
        .setLocalVotes(30)
        .setInliers(25)
        .setInlierAreaShare(0.6f);
  }
}
