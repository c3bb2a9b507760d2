package io.doppel.review.images;

import io.doppel.image.ImageRejectedException;
import io.doppel.image.decode.ImageFormat;
import io.doppel.image.fetch.FetchSettings;
import io.doppel.image.fetch.ImageFetcher;
import io.doppel.review.queue.Report;
import io.doppel.review.queue.ReportQueue;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.Trigger;
import io.doppel.schemas.avro.UploadEvent;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The two images of a report, fetched through the extractor's safe fetch path (size and time
 * limits, file roots, no private addresses unless allowed). Never an open proxy: the only images
 * served are the reported image and its matches, looked up by report id and slot, never by a URL
 * from the request. Bytes are served only when they sniff as an image format.
 */
public final class ReportImages implements AutoCloseable {

  /** The image of a report a request asks for: the query, or one of its matches. */
  public sealed interface Slot {
    record Query() implements Slot {}

    record Matched(int index) implements Slot {}
  }

  public record Image(byte[] bytes, String contentType) {}

  /** Why an image cannot be shown; {@code missing} when it is unknown rather than unreachable. */
  public static final class UnavailableException extends Exception {
    private final boolean missing;

    UnavailableException(String message, boolean missing) {
      super(message);
      this.missing = missing;
    }

    public boolean missing() {
      return missing;
    }
  }

  private static final Map<ImageFormat, String> CONTENT_TYPES = Map.of(
      ImageFormat.JPEG,
      "image/jpeg",
      ImageFormat.PNG,
      "image/png",
      ImageFormat.WEBP,
      "image/webp",
      ImageFormat.GIF,
      "image/gif",
      ImageFormat.BMP,
      "image/bmp",
      ImageFormat.TIFF,
      "image/tiff");

  private final ImageFetcher fetcher;
  private final ReportQueue queue;

  public ReportImages(FetchSettings fetch, ReportQueue queue) {
    this.fetcher = new ImageFetcher(fetch);
    this.queue = queue;
  }

  public Image fetch(Report report, Slot slot) throws UnavailableException {
    String source = sourceOf(report, slot)
        .orElseThrow(() -> new UnavailableException(
            "no known source for " + describe(slot) + " of report " + report.id()
                + " (inline upload, or not seen yet)",
            true));
    MatchEvent event = report.event();
    UploadEvent request = UploadEvent.newBuilder()
        .setTenant(event.getTenant())
        .setImageId(event.getImageId())
        .setPurpose(Purpose.UPLOAD)
        .setSource(source)
        .setUploadedAt(Instant.EPOCH)
        .build();
    byte[] bytes;
    try {
      bytes = fetcher.fetch(request);
    } catch (ImageRejectedException e) {
      throw new UnavailableException(
          describe(slot) + " of report " + report.id() + " cannot be fetched: " + e.reason() + " "
              + e.getMessage(),
          false);
    }
    ImageFormat format = ImageFormat.sniff(bytes)
        .orElseThrow(() -> new UnavailableException(
            describe(slot) + " of report " + report.id() + " is not an image", false));
    return new Image(bytes, CONTENT_TYPES.get(format));
  }

  private Optional<String> sourceOf(Report report, Slot slot) throws UnavailableException {
    MatchEvent event = report.event();
    return switch (slot) {
      case Slot.Query q ->
        event.getTrigger() == Trigger.UPLOAD && event.getSource() != null
            ? Optional.of(event.getSource())
            // A retro-scan report is about an earlier upload; its own event named that upload's
            // source.
            : queue.sourceOf(event.getTenant(), event.getImageId());
      case Slot.Matched m -> {
        if (m.index() < 0 || m.index() >= event.getMatches().size()) {
          throw new UnavailableException(
              "report " + report.id() + " has no match " + m.index(), true);
        }
        Match match = event.getMatches().get(m.index());
        yield queue.sourceOf(match.getTenant(), match.getImageId());
      }
    };
  }

  private static String describe(Slot slot) {
    return switch (slot) {
      case Slot.Query q -> "the query image";
      case Slot.Matched m -> "match " + m.index();
    };
  }

  @Override
  public void close() {
    fetcher.close();
  }
}
