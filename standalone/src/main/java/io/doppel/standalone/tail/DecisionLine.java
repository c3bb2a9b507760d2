package io.doppel.standalone.tail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchHints;
import io.doppel.schemas.avro.Point;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * One record of a decision topic as one JSON object on one line, the format of {@code ./doppel tail}:
 *
 * <pre>
 * MatchEvent → {"kind", "tenant", "imageId", "trigger", "purpose", "uploader", "source",
 *               "score", "matched", "matches", "policyVersion", "modelId", "modelVersion", "calibrationVersion",
 *               "stageMicros", "uploadedAt", "decidedAt", "topic", "partition", "offset"}
 * DeadLetter → {"kind": "dead-letter", "tenant", "imageId", "reason", "detail", "stage", "source",
 *               "sourceTopic", "sourcePartition", "sourceOffset", "failedAt", "topic", "partition", "offset"}
 * </pre>
 *
 * {@code kind} is the decision in lower case with hyphens ({@code copyright-violation}). {@code matched} ({@code
 * tenant, imageId, rightsHolder, referenceSet}) is the best match of the decision's own kind, null for other
 * decisions; {@code score} is that match's score, else the best candidate's (below every threshold), else null.
 * {@code matches} lists every verified candidate, best first, with all its evidence: scores, keypoint counts,
 * coverage, the matched regions as {@code [[x, y], ...]} (normalised) and the hints. Times are ISO-8601 UTC. A field
 * the record leaves empty is {@code null}; the original record bytes of a dead letter are never printed. Pure.
 */
public final class DecisionLine {

  private static final ObjectMapper JSON = new ObjectMapper();

  private DecisionLine() {}

  /** Where a record was read: printed with it, so a line can be found again on the topic. */
  public record Position(String topic, int partition, long offset) {}

  public static String of(MatchEvent event, Position position) {
    ObjectNode line = JSON.createObjectNode();
    DecisionKind kind = DecisionKind.of(event.getDecision());
    line.put("kind", kind.cliName());
    line.put("tenant", event.getTenant());
    line.put("imageId", event.getImageId());
    line.put("trigger", cliName(event.getTrigger().name()));
    line.put("purpose", cliName(event.getPurpose().name()));
    line.put("uploader", event.getUploader());
    line.put("source", event.getSource());
    Match deciding = event.getMatches().stream()
        .filter(match -> match.getKind().name().equals(event.getDecision().name()))
        .findFirst()
        .orElse(null);
    Match scored =
        deciding != null ? deciding : event.getMatches().stream().findFirst().orElse(null);
    if (scored == null) {
      line.putNull("score");
    } else {
      line.put("score", scored.getScore());
    }
    if (deciding == null) {
      line.putNull("matched");
    } else {
      ObjectNode matched = line.putObject("matched");
      matched.put("tenant", deciding.getTenant());
      matched.put("imageId", deciding.getImageId());
      matched.put("rightsHolder", deciding.getRightsHolder());
      matched.put("referenceSet", deciding.getReferenceSet());
    }
    ArrayNode matches = line.putArray("matches");
    event.getMatches().forEach(match -> matches.add(match(match)));
    line.put("policyVersion", event.getPolicyVersion());
    line.put("modelId", event.getModelId());
    line.put("modelVersion", event.getModelVersion());
    line.put("calibrationVersion", event.getCalibrationVersion());
    ObjectNode stages = line.putObject("stageMicros");
    new TreeMap<>(event.getStageMicros()).forEach(stages::put);
    line.put("uploadedAt", time(event.getUploadedAt()));
    line.put("decidedAt", time(event.getDecidedAt()));
    return text(position(line, position));
  }

  public static String of(DeadLetter letter, Position position) {
    ObjectNode line = JSON.createObjectNode();
    line.put("kind", DecisionKind.DEAD_LETTER.cliName());
    line.put("tenant", letter.getTenant());
    line.put("imageId", letter.getImageId());
    line.put("reason", letter.getReason().name());
    line.put("detail", letter.getDetail());
    line.put("stage", letter.getStage());
    line.put("source", letter.getSource());
    line.put("sourceTopic", letter.getSourceTopic());
    line.put("sourcePartition", letter.getPartition());
    line.put("sourceOffset", letter.getOffset());
    line.put("failedAt", time(letter.getFailedAt()));
    return text(position(line, position));
  }

  private static ObjectNode match(Match match) {
    ObjectNode node = JSON.createObjectNode();
    node.put("tenant", match.getTenant());
    node.put("imageId", match.getImageId());
    node.put("kind", cliName(match.getKind().name()));
    node.put("rightsHolder", match.getRightsHolder());
    node.put("referenceSet", match.getReferenceSet());
    node.put("score", match.getScore());
    node.put("globalSimilarity", match.getGlobalSimilarity());
    node.put("localVotes", match.getLocalVotes());
    node.put("inliers", match.getInliers());
    node.put("tentativeMatches", match.getTentativeMatches());
    node.put("inlierAreaShare", match.getInlierAreaShare());
    node.put("referenceCoverage", match.getReferenceCoverage());
    node.put("inlierDensity", match.getInlierDensity());
    node.set("queryRegion", region(match.getQueryRegion()));
    node.set("referenceRegion", region(match.getReferenceRegion()));
    MatchHints hints = match.getHints();
    ObjectNode hintNode = node.putObject("hints");
    hintNode.put("mirrored", hints.getMirrored());
    hintNode.put("croppedShare", hints.getCroppedShare());
    hintNode.put("rotationDegrees", hints.getRotationDegrees());
    hintNode.put("scale", hints.getScale());
    hintNode.put("inTile", hints.getInTile());
    return node;
  }

  private static ArrayNode region(List<Point> points) {
    ArrayNode region = JSON.createArrayNode();
    points.forEach(point -> region.addArray().add(point.getX()).add(point.getY()));
    return region;
  }

  private static ObjectNode position(ObjectNode line, Position position) {
    line.put("topic", position.topic());
    line.put("partition", position.partition());
    line.put("offset", position.offset());
    return line;
  }

  private static String cliName(String enumName) {
    return enumName.toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static String time(Instant instant) {
    return instant == null ? null : instant.toString();
  }

  private static String text(ObjectNode line) {
    try {
      return JSON.writeValueAsString(line);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
