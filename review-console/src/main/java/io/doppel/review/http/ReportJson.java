package io.doppel.review.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.doppel.review.queue.Report;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.Point;
import io.doppel.schemas.avro.ReviewDecision;
import java.util.List;

/** Reports and decisions as the page reads them. Pure. */
final class ReportJson {

  private final ObjectMapper json;

  ReportJson(ObjectMapper json) {
    this.json = json;
  }

  ObjectNode summary(Report report, List<ReviewDecision> decisions) {
    MatchEvent e = report.event();
    ObjectNode node = json.createObjectNode();
    node.put("id", report.id());
    node.put("tenant", e.getTenant());
    node.put("imageId", e.getImageId());
    node.put("uploader", e.getUploader());
    node.put("decision", e.getDecision().name());
    node.put("trigger", e.getTrigger().name());
    node.put("topScore", report.topScore());
    node.put("decidedAt", e.getDecidedAt().toString());
    ArrayNode holders = node.putArray("rightsHolders");
    e.getMatches().stream()
        .map(Match::getRightsHolder)
        .filter(h -> h != null)
        .distinct()
        .forEach(holders::add);
    node.put("reviewed", !decisions.isEmpty());
    if (!decisions.isEmpty()) {
      node.put("lastAction", decisions.getLast().getAction().name());
    }
    return node;
  }

  ObjectNode detail(Report report, List<ReviewDecision> decisions) {
    MatchEvent e = report.event();
    ObjectNode node = summary(report, decisions);
    node.put("purpose", e.getPurpose().name());
    node.put("policyVersion", e.getPolicyVersion());
    node.put("modelId", e.getModelId());
    node.put("modelVersion", e.getModelVersion());
    node.put("calibrationVersion", e.getCalibrationVersion());
    node.put("uploadedAt", e.getUploadedAt().toString());
    ArrayNode matches = node.putArray("matches");
    for (int i = 0; i < e.getMatches().size(); i++) {
      Match m = e.getMatches().get(i);
      ObjectNode match = matches.addObject();
      match.put("index", i);
      match.put("tenant", m.getTenant());
      match.put("imageId", m.getImageId());
      match.put("kind", m.getKind().name());
      match.put("rightsHolder", m.getRightsHolder());
      match.put("referenceSet", m.getReferenceSet());
      match.put("score", m.getScore());
      match.put("globalSimilarity", m.getGlobalSimilarity());
      match.put("localVotes", m.getLocalVotes());
      match.put("inliers", m.getInliers());
      match.put("tentativeMatches", m.getTentativeMatches());
      match.put("inlierAreaShare", m.getInlierAreaShare());
      match.set("queryRegion", points(m.getQueryRegion()));
      match.set("referenceRegion", points(m.getReferenceRegion()));
      ObjectNode hints = match.putObject("hints");
      hints.put("mirrored", m.getHints().getMirrored());
      hints.put("croppedShare", m.getHints().getCroppedShare());
      hints.put("rotationDegrees", m.getHints().getRotationDegrees());
      hints.put("scale", m.getHints().getScale());
      hints.put("inTile", m.getHints().getInTile());
    }
    ArrayNode history = node.putArray("decisions");
    decisions.forEach(d -> history.add(decision(d)));
    ObjectNode stages = node.putObject("stageMicros");
    e.getStageMicros().forEach(stages::put);
    return node;
  }

  ObjectNode decision(ReviewDecision d) {
    ObjectNode node = json.createObjectNode();
    node.put("decisionId", d.getDecisionId());
    node.put("action", d.getAction().name());
    node.put("matchTenant", d.getMatch().getTenant());
    node.put("matchImageId", d.getMatch().getImageId());
    node.put("reviewer", d.getReviewer());
    node.put("reviewerRole", d.getReviewerRole());
    node.put("note", d.getNote());
    node.put("decidedAt", d.getDecidedAt().toString());
    return node;
  }

  private ArrayNode points(List<Point> region) {
    ArrayNode array = json.createArrayNode();
    region.forEach(p -> array.addObject().put("x", p.getX()).put("y", p.getY()));
    return array;
  }
}
