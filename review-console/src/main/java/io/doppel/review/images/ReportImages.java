package io.doppel.review.images;

import io.doppel.image.ContentDigest;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two images of a report, fetched through the extractor's safe fetch path (size and time
 * limits, file roots, no private addresses unless allowed). Never an open proxy: the only images
 * served are the reported image and its matches, looked up by report id and slot, never by a URL
 * from the request. Bytes are served only when they sniff as an image format.
 *
 * <p>What is shown is what was analysed: a source is a live URL whose owner can change what it
 * serves after the extractor read it, so the fetched bytes' SHA-256 must equal the digest the
 * image's event carries ({@code contentSha256}), else they are refused. An event without a digest
 * (from an extractor older than the field) is refused too, unless {@code requireDigest} is off, in
 * which case its image is served marked unverified.
 */
public final class ReportImages implements AutoCloseable {

  /** The image of a report a request asks for: the query, or one of its matches. */
  public sealed interface Slot {
    record Query() implements Slot {}

    record Matched(int index) implements Slot {}
  }

  /** @param verified whether the bytes' digest was checked against the analysed bytes' */
  public record Image(byte[] bytes, String contentType, boolean verified) {}

  /** Why an image is not shown. */
  public enum Reason {
    /** Unknown: no such match, or no source known (an inline upload, or an event not seen yet). */
    MISSING,
    /** The source could not be fetched, or is not an image. */
    UNREACHABLE,
    /** The source now serves other bytes than those analysed. */
    CHANGED,
    /** The analysed bytes' digest is unknown and unverified images are not shown. */
    UNVERIFIED
  }

  /** Why an image cannot be shown. */
  public static final class UnavailableException extends Exception {
    private final Reason reason;

    UnavailableException(String message, Reason reason) {
      super(message);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
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

  private static final Logger LOG = LoggerFactory.getLogger(ReportImages.class);

  private final ImageFetcher fetcher;
  private final ReportQueue queue;
  private final boolean requireDigest;

  public ReportImages(FetchSettings fetch, ReportQueue queue, boolean requireDigest) {
    this.fetcher = new ImageFetcher(fetch);
    this.queue = queue;
    this.requireDigest = requireDigest;
  }

  public Image fetch(Report report, Slot slot) throws UnavailableException {
    ReportQueue.ImageSource source = sourceOf(report, slot)
        .orElseThrow(() -> new UnavailableException(
            "no known source for " + describe(slot) + " of report " + report.id()
                + " (inline upload, or not seen yet)",
            Reason.MISSING));
    if (source.sha256() == null && requireDigest) {
      throw new UnavailableException(
          describe(slot) + " of report " + report.id() + " has no digest of the analysed bytes"
              + " (an event from an extractor without contentSha256), so what the source serves now"
              + " cannot be checked",
          Reason.UNVERIFIED);
    }
    MatchEvent event = report.event();
    UploadEvent request = UploadEvent.newBuilder()
        .setTenant(event.getTenant())
        .setImageId(event.getImageId())
        .setPurpose(Purpose.UPLOAD)
        .setSource(source.location())
        .setUploadedAt(Instant.EPOCH)
        .build();
    byte[] bytes;
    try {
      bytes = fetcher.fetch(request);
    } catch (ImageRejectedException e) {
      throw new UnavailableException(
          describe(slot) + " of report " + report.id() + " cannot be fetched: " + e.reason() + " "
              + e.getMessage(),
          Reason.UNREACHABLE);
    }
    if (source.sha256() != null && !ContentDigest.matches(bytes, source.sha256())) {
      LOG.warn(
          "{} of report {} changed at its source since it was analysed: refused",
          describe(slot),
          report.id());
      throw new UnavailableException(
          describe(slot) + " of report " + report.id()
              + " is not what was analysed: its source now serves other bytes (SHA-256 differs)",
          Reason.CHANGED);
    }
    ImageFormat format = ImageFormat.sniff(bytes)
        .orElseThrow(() -> new UnavailableException(
            describe(slot) + " of report " + report.id() + " is not an image", Reason.UNREACHABLE));
    return new Image(bytes, CONTENT_TYPES.get(format), source.sha256() != null);
  }

  private Optional<ReportQueue.ImageSource> sourceOf(Report report, Slot slot)
      throws UnavailableException {
    MatchEvent event = report.event();
    return switch (slot) {
      case Slot.Query q ->
        event.getTrigger() == Trigger.UPLOAD && event.getSource() != null
            ? Optional.of(new ReportQueue.ImageSource(event.getSource(), event.getContentSha256()))
            // A retro-scan report is about an earlier upload; its own event named that upload's
            // source and digest.
            : queue.sourceOf(event.getTenant(), event.getImageId());
      case Slot.Matched m -> {
        if (m.index() < 0 || m.index() >= event.getMatches().size()) {
          throw new UnavailableException(
              "report " + report.id() + " has no match " + m.index(), Reason.MISSING);
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
