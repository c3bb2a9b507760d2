package io.doppel.extractor;

import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import java.nio.ByteBuffer;
import java.time.Instant;

/** Upload events for the extractor's tests: an image's bytes inline, or a source URI. */
public final class TestUploads {

  private TestUploads() {}

  public static UploadEvent inline(String imageId, byte[] bytes) {
    return UploadEvent.newBuilder()
        .setTenant("tenant-a")
        .setImageId(imageId)
        .setPurpose(Purpose.UPLOAD)
        .setInlineBytes(ByteBuffer.wrap(bytes))
        .setContentType("image/jpeg")
        .setUploadedAt(Instant.ofEpochMilli(1_700_000_000_000L))
        .build();
  }

  public static UploadEvent fromSource(String imageId, String source) {
    return UploadEvent.newBuilder()
        .setTenant("tenant-a")
        .setImageId(imageId)
        .setPurpose(Purpose.UPLOAD)
        .setSource(source)
        .setUploadedAt(Instant.ofEpochMilli(1_700_000_000_000L))
        .build();
  }
}
