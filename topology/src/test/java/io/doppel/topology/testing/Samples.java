package io.doppel.topology.testing;

import io.doppel.schemas.avro.Box;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.FeatureView;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.Metric;
import io.doppel.schemas.avro.ModelInfo;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.Trigger;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.avro.ViewKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Small, valid Doppel records for tests. Deterministic: fixed times, content derived from ids. */
public final class Samples {

  public static final String TENANT = "acme";
  public static final Instant UPLOADED_AT = Instant.parse("2026-01-01T00:00:00Z");
  public static final ModelInfo MODEL = new ModelInfo("test-model", "1", 4, Metric.COSINE);
  private static final int SIDE = 64;

  private Samples() {}

  public static ImageKey key(String imageId) {
    return new ImageKey(TENANT, imageId);
  }

  /** An UPLOAD whose inline bytes are its id (the scripted extractor reads them). */
  public static UploadEvent upload(String imageId) {
    return event(imageId, Purpose.UPLOAD).setInlineBytes(bytes(imageId)).build();
  }

  public static UploadEvent reference(String imageId, String rightsHolder) {
    return event(imageId, Purpose.REFERENCE)
        .setInlineBytes(bytes(imageId))
        .setRightsHolder(rightsHolder)
        .setReferenceSet(rightsHolder)
        .build();
  }

  public static UploadEvent fromSource(String imageId, String source) {
    return event(imageId, Purpose.UPLOAD).setSource(source).build();
  }

  public static UploadEvent delete(String imageId) {
    return event(imageId, Purpose.DELETE).build();
  }

  /** Invalid: an UPLOAD with neither source nor inline bytes. */
  public static UploadEvent withoutImage(String imageId) {
    return event(imageId, Purpose.UPLOAD).build();
  }

  public static UploadEvent.Builder event(String imageId, Purpose purpose) {
    return UploadEvent.newBuilder()
        .setTenant(TENANT)
        .setImageId(imageId)
        .setPurpose(purpose)
        .setUploader("user-1")
        .setUploadedAt(UPLOADED_AT);
  }

  /** Features as an extractor would make them for {@code event}: one FULL view. */
  public static ImageFeatures features(UploadEvent event) {
    return ImageFeatures.newBuilder()
        .setTenant(event.getTenant())
        .setImageId(event.getImageId())
        .setPurpose(event.getPurpose())
        .setUploader(event.getUploader())
        .setRightsHolder(event.getRightsHolder())
        .setReferenceSet(event.getReferenceSet())
        .setSource(event.getSource())
        .setUploadedAt(event.getUploadedAt())
        .setWidth(SIDE)
        .setHeight(SIDE)
        .setFormat("png")
        .setModel(MODEL)
        .setLocalExtractor("none")
        .setViews(List.of(FeatureView.newBuilder()
            .setKind(ViewKind.FULL)
            .setRegion(new Box(0, 0, SIDE, SIDE))
            .setGlobal(descriptor(event.getImageId().toString()))
            .setKeypoints(List.of())
            .setDescriptors(ByteBuffer.allocate(0))
            .build()))
        .setStageMicros(Map.of())
        .setExtractedAt(UPLOADED_AT)
        .build();
  }

  public static MatchEvent outcome(ImageFeatures features, Decision decision) {
    return outcome(
        features.getTenant().toString(),
        features.getImageId().toString(),
        features,
        decision,
        Trigger.UPLOAD);
  }

  public static MatchEvent outcome(
      String tenant, String imageId, ImageFeatures features, Decision decision, Trigger trigger) {
    return MatchEvent.newBuilder()
        .setTenant(tenant)
        .setImageId(imageId)
        .setPurpose(features.getPurpose())
        .setUploader(features.getUploader())
        .setSource(features.getSource())
        .setDecision(decision)
        .setMatches(List.of())
        .setTrigger(trigger)
        .setPolicyVersion("p1")
        .setModelId(MODEL.getId())
        .setModelVersion(MODEL.getVersion())
        .setCalibrationVersion("c1")
        .setStageMicros(Map.of())
        .setUploadedAt(features.getUploadedAt())
        .setDecidedAt(UPLOADED_AT)
        .build();
  }

  private static List<Float> descriptor(String imageId) {
    int h = imageId.hashCode();
    return List.of((float) (h & 0xff), (float) ((h >> 8) & 0xff), (float) ((h >> 16) & 0xff), 1f);
  }

  private static ByteBuffer bytes(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }
}
