package io.doppel.image.fetch;

import io.doppel.image.ImageRejectedException;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.topology.intake.SourceUrls;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.util.Locale;

/** The bytes an upload event names: inline, {@code file://} under the roots, or {@code http(s)://}. */
public final class ImageFetcher implements AutoCloseable {

  private final long maxBytes;
  private final java.time.Duration deadline;
  private final FileImageFetcher files;
  private final HttpImageFetcher http;

  public ImageFetcher(FetchSettings config) {
    this.maxBytes = config.maxBytes();
    this.deadline = config.deadline();
    this.files = new FileImageFetcher(config.fileRoots(), config.maxBytes());
    this.http = new HttpImageFetcher(
        config, new AddressPolicy(config.blockPrivateAddresses(), config.allowList()));
  }

  /**
   * The image's bytes. A rejection's message names URLs only as {@link SourceUrls#redacted}: it becomes a dead letter's
   * detail and a console error page, and a signed URL's query is its secret.
   */
  public byte[] fetch(UploadEvent event) throws ImageRejectedException {
    return fetch(event, System.nanoTime() + deadline.toNanos());
  }

  /** Like {@link #fetch(UploadEvent)}, done by {@code deadlineNanos} ({@link System#nanoTime}): a batch shares one. */
  public byte[] fetch(UploadEvent event, long deadlineNanos) throws ImageRejectedException {
    try {
      return fetchAsSent(event, deadlineNanos);
    } catch (ImageRejectedException e) {
      String scrubbed = SourceUrls.scrubbed(e.getMessage());
      throw scrubbed == null || scrubbed.equals(e.getMessage())
          ? e
          : new ImageRejectedException(e.reason(), scrubbed, e);
    }
  }

  private byte[] fetchAsSent(UploadEvent event, long deadlineNanos) throws ImageRejectedException {
    if (event.getPurpose() == Purpose.DELETE) {
      throw new ImageRejectedException(
          DeadLetterReason.INVALID_EVENT, "DELETE events carry no image to extract");
    }
    ByteBuffer inline = event.getInlineBytes();
    CharSequence source = event.getSource();
    if ((inline == null) == (source == null)) {
      throw new ImageRejectedException(
          DeadLetterReason.INVALID_EVENT, "exactly one of source and inlineBytes must be set");
    }
    if (inline != null) {
      if (inline.remaining() > maxBytes) {
        throw new ImageRejectedException(
            DeadLetterReason.TOO_LARGE,
            "inline image has " + inline.remaining() + " bytes, above the limit of " + maxBytes);
      }
      byte[] bytes = new byte[inline.remaining()];
      inline.duplicate().get(bytes);
      return bytes;
    }
    URI uri;
    try {
      uri = new URI(source.toString());
    } catch (URISyntaxException e) {
      throw new ImageRejectedException(
          DeadLetterReason.INVALID_EVENT, "source is not a URI: " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    return switch (scheme) {
      case "file" -> files.fetch(uri);
      case "http", "https" -> http.fetch(uri, deadlineNanos);
      // not in the contract: object stores are read through presigned https:// URLs, so the
      // extractor holds no cloud credentials and every fetch passes the SSRF guard
      // (docs/integration.md, "Sending uploads")
      case "s3" ->
        throw new ImageRejectedException(
            DeadLetterReason.FETCH_FAILED,
            "s3:// sources are not fetched: send a presigned https:// URL of the object");
      default ->
        throw new ImageRejectedException(
            DeadLetterReason.FETCH_FAILED,
            "unsupported source scheme '" + scheme + "' in " + source);
    };
  }

  @Override
  public void close() {
    http.close();
  }
}
