package io.doppel.standalone.tail;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchHints;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.Point;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.Trigger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DecisionLineTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant UPLOADED = Instant.parse("2026-12-07T10:00:00Z");
  private static final Instant DECIDED = Instant.parse("2026-12-07T10:00:01.250Z");
  private static final DecisionLine.Position POSITION =
      new DecisionLine.Position("doppel.violations", 3, 42);

  @Test
  void aViolationIsOneLineWithItsDecidingMatchScoreRegionsAndVersions() throws Exception {
    Match duplicate = match("earlier-upload", MatchKind.DUPLICATE, 0.97f, null);
    Match violation = match("work-1", MatchKind.COPYRIGHT_VIOLATION, 0.91f, "studio");
    String line = DecisionLine.of(
        event(Decision.COPYRIGHT_VIOLATION, List.of(duplicate, violation)), POSITION);

    assertThat(line).doesNotContain("\n");
    JsonNode json = JSON.readTree(line);
    assertThat(fieldNames(json))
        .containsExactly(
            "kind",
            "tenant",
            "imageId",
            "trigger",
            "purpose",
            "uploader",
            "source",
            "score",
            "matched",
            "matches",
            "policyVersion",
            "modelId",
            "modelVersion",
            "calibrationVersion",
            "stageMicros",
            "uploadedAt",
            "decidedAt",
            "topic",
            "partition",
            "offset");
    assertThat(json.get("kind").asText()).isEqualTo("copyright-violation");
    assertThat(json.get("tenant").asText()).isEqualTo("acme");
    assertThat(json.get("imageId").asText()).isEqualTo("copy-1");
    assertThat(json.get("trigger").asText()).isEqualTo("upload");
    assertThat(json.get("source").isNull()).isTrue();
    // the deciding match is the violation, though the duplicate ranks first
    assertThat(json.get("score").floatValue()).isEqualTo(0.91f);
    assertThat(json.get("matched").get("imageId").asText()).isEqualTo("work-1");
    assertThat(json.get("matched").get("rightsHolder").asText()).isEqualTo("studio");
    assertThat(json.get("matches")).hasSize(2);
    JsonNode second = json.get("matches").get(1);
    assertThat(second.get("kind").asText()).isEqualTo("copyright-violation");
    assertThat(second.get("inliers").asInt()).isEqualTo(40);
    assertThat(second.get("referenceCoverage").floatValue()).isEqualTo(0.6f);
    assertThat(second.get("queryRegion").toString())
        .isEqualTo("[[0.0,0.0],[0.5,0.0],[0.5,0.5],[0.0,0.5]]");
    assertThat(second.get("hints").get("mirrored").asBoolean()).isTrue();
    assertThat(second.get("hints").get("inTile").asBoolean()).isFalse();
    assertThat(json.get("calibrationVersion").asText()).isEqualTo("v8");
    assertThat(json.get("stageMicros").get("verify").asLong()).isEqualTo(1200);
    assertThat(json.get("uploadedAt").asText()).isEqualTo("2026-12-07T10:00:00Z");
    assertThat(json.get("decidedAt").asText()).isEqualTo("2026-12-07T10:00:01.250Z");
    assertThat(json.get("topic").asText()).isEqualTo("doppel.violations");
    assertThat(json.get("partition").asInt()).isEqualTo(3);
    assertThat(json.get("offset").asLong()).isEqualTo(42);
  }

  @Test
  void aCleanUploadHasNoMatchedImageAndItsBestCandidatesScore() throws Exception {
    JsonNode clean = JSON.readTree(DecisionLine.of(
        event(Decision.CLEAN, List.of(match("near", MatchKind.BELOW_THRESHOLD, 0.2f, null))),
        POSITION));
    assertThat(clean.get("kind").asText()).isEqualTo("clean");
    assertThat(clean.get("matched").isNull()).isTrue();
    assertThat(clean.get("score").floatValue()).isEqualTo(0.2f);

    JsonNode registered =
        JSON.readTree(DecisionLine.of(event(Decision.REGISTERED, List.of()), POSITION));
    assertThat(registered.get("kind").asText()).isEqualTo("registered");
    assertThat(registered.get("score").isNull()).isTrue();
    assertThat(registered.get("matches")).isEmpty();
  }

  @Test
  void aDeadLetterSaysWhyAndNeverPrintsTheOriginalBytes() throws Exception {
    DeadLetter letter = DeadLetter.newBuilder()
        .setReason(DeadLetterReason.UNSUPPORTED_FORMAT)
        .setDetail("no known magic bytes")
        .setStage("extractor")
        .setTenant("acme")
        .setImageId("notes")
        .setSourceTopic("doppel.uploads")
        .setPartition(1)
        .setOffset(7)
        .setOriginalValue(ByteBuffer.wrap("SECRET-ORIGINAL".getBytes()))
        .setFailedAt(DECIDED)
        .build();
    String line = DecisionLine.of(letter, new DecisionLine.Position("doppel.dead-letters", 0, 5));

    assertThat(line).doesNotContain("SECRET-ORIGINAL").doesNotContain("originalValue");
    JsonNode json = JSON.readTree(line);
    assertThat(json.get("kind").asText()).isEqualTo("dead-letter");
    assertThat(json.get("reason").asText()).isEqualTo("UNSUPPORTED_FORMAT");
    assertThat(json.get("detail").asText()).isEqualTo("no known magic bytes");
    assertThat(json.get("sourceOffset").asLong()).isEqualTo(7);
    assertThat(json.get("offset").asLong()).isEqualTo(5);
  }

  private static List<String> fieldNames(JsonNode json) {
    List<String> names = new java.util.ArrayList<>();
    json.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static MatchEvent event(Decision decision, List<Match> matches) {
    return MatchEvent.newBuilder()
        .setTenant("acme")
        .setImageId("copy-1")
        .setPurpose(Purpose.UPLOAD)
        .setUploader("user-42")
        .setSource(null)
        .setDecision(decision)
        .setMatches(matches)
        .setTrigger(Trigger.UPLOAD)
        .setPolicyVersion("policy-1")
        .setModelId("doppel-copy")
        .setModelVersion("2")
        .setCalibrationVersion("v8")
        .setStageMicros(Map.of("verify", 1200L, "retrieve", 300L))
        .setUploadedAt(UPLOADED)
        .setDecidedAt(DECIDED)
        .build();
  }

  private static Match match(String imageId, MatchKind kind, float score, String rightsHolder) {
    List<Point> square =
        List.of(new Point(0f, 0f), new Point(0.5f, 0f), new Point(0.5f, 0.5f), new Point(0f, 0.5f));
    return Match.newBuilder()
        .setTenant("acme")
        .setImageId(imageId)
        .setKind(kind)
        .setRightsHolder(rightsHolder)
        .setReferenceSet(rightsHolder == null ? null : rightsHolder + "-catalogue")
        .setScore(score)
        .setGlobalSimilarity(0.8f)
        .setLocalVotes(12)
        .setInliers(40)
        .setTentativeMatches(60)
        .setInlierAreaShare(0.4f)
        .setReferenceCoverage(0.6f)
        .setInlierDensity(0.5f)
        .setQueryRegion(square)
        .setReferenceRegion(square)
        .setHints(MatchHints.newBuilder().setMirrored(true).setScale(0.5f).build())
        .build();
  }
}
