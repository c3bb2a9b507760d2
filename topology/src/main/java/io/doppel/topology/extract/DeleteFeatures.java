package io.doppel.topology.extract;

import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Metric;
import io.doppel.schemas.avro.ModelInfo;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.topology.intake.SourceUrls;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The features of a deletion: how a DELETE upload or a tombstone on the uploads topic reaches the
 * matcher, which removes every index row of the image. Defined as
 *
 * <pre>
 * purpose = DELETE, tenant and imageId of the key, views = [], width = height = 0,
 * format = localExtractor = model.id = model.version = "", model.dimension = 0,
 * uploader and source copied from the DELETE event (null for a tombstone),
 * uploadedAt = the event's uploadedAt (a tombstone: its record timestamp)
 * </pre>
 */
public final class DeleteFeatures {

  static final String NONE = "";

  private DeleteFeatures() {}

  public static boolean isDeletion(ImageFeatures features) {
    return features.getPurpose() == Purpose.DELETE;
  }

  /** For a DELETE event, or {@code event == null} for a tombstone. */
  public static ImageFeatures of(ImageKey key, UploadEvent event, Instant recordTime, Instant now) {
    return ImageFeatures.newBuilder()
        .setTenant(key.getTenant())
        .setImageId(key.getImageId())
        .setPurpose(Purpose.DELETE)
        .setUploader(event == null ? null : event.getUploader())
        .setSource(event == null ? null : SourceUrls.redacted(event.getSource()))
        .setUploadedAt(event == null ? recordTime : event.getUploadedAt())
        .setWidth(0)
        .setHeight(0)
        .setFormat(NONE)
        .setModel(new ModelInfo(NONE, NONE, 0, Metric.COSINE))
        .setLocalExtractor(NONE)
        .setViews(List.of())
        .setStageMicros(Map.of())
        .setExtractedAt(now)
        .build();
  }
}
