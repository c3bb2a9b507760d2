package io.doppel.image.decode;

import io.doppel.image.ImageRejectedException;
import io.doppel.schemas.avro.DeadLetterReason;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Bytes to pixels, defensively: the format is sniffed from magic bytes, the dimensions are read
 * from the header and refused above the pixel limit before any pixel is decoded (decompression
 * bombs), only the first frame of animations is read, metadata the decoder does not use is
 * skipped unparsed, EXIF orientation is applied and alpha is composited onto white. ImageIO does
 * the decoding, with TwelveMonkeys' readers (CMYK and progressive JPEG, WebP, TIFF) registered
 * from the classpath.
 */
public final class ImageDecoder {

  private static final int FIRST_FRAME = 0;
  private static final Pattern TRUNCATION_WARNING = Pattern.compile(
      "premature|truncat|end of (file|stream|data)|\\bEOF\\b", Pattern.CASE_INSENSITIVE);

  static {
    // No temp files for stream caching; all input is already in memory.
    ImageIO.setUseCache(false);
    ImageIO.scanForPlugins();
  }

  /** The default decode budget; see {@link GuardedImageInputStream}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private final long maxPixels;
  private final Duration timeout;

  public ImageDecoder(long maxPixels) {
    this(maxPixels, DEFAULT_TIMEOUT);
  }

  /** {@code timeout}: the longest one decode may read its input before it is rejected as TIMEOUT. */
  public ImageDecoder(long maxPixels, Duration timeout) {
    if (maxPixels <= 0) {
      throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    this.maxPixels = maxPixels;
    this.timeout = timeout;
  }

  public record Decoded(BgrImage image, ImageFormat format) {}

  /** An image's size as its header states it, before any pixel is decoded. */
  public record Size(int width, int height) {
    public long pixels() {
      return (long) width * height;
    }
  }

  /**
   * The size the header of {@code bytes} states, read without decoding pixels (so that what decoding will cost can be
   * known first); empty when there is no readable header, which {@link #decode} then reports.
   */
  public java.util.Optional<Size> probe(byte[] bytes) {
    java.util.Optional<ImageFormat> format =
        bytes.length == 0 ? java.util.Optional.empty() : ImageFormat.sniff(bytes);
    if (format.isEmpty()) {
      return java.util.Optional.empty();
    }
    ImageReader reader;
    try {
      reader = readerFor(format.get());
    } catch (ImageRejectedException e) {
      return java.util.Optional.empty();
    }
    try (ImageInputStream input = new GuardedImageInputStream(bytes, timeout)) {
      reader.setInput(input, true, true);
      int width = reader.getWidth(FIRST_FRAME);
      int height = reader.getHeight(FIRST_FRAME);
      return width > 0 && height > 0
          ? java.util.Optional.of(new Size(width, height))
          : java.util.Optional.empty();
    } catch (IOException | RuntimeException e) {
      return java.util.Optional.empty();
    } finally {
      reader.dispose();
    }
  }

  public Decoded decode(byte[] bytes) throws ImageRejectedException {
    if (bytes.length == 0) {
      throw new ImageRejectedException(DeadLetterReason.CORRUPT, "empty image (0 bytes)");
    }
    ImageFormat format = ImageFormat.sniff(bytes)
        .orElseThrow(() -> new ImageRejectedException(
            DeadLetterReason.UNSUPPORTED_FORMAT,
            "not a JPEG, PNG, WebP, GIF, BMP or TIFF (unknown magic bytes)"));
    ImageReader reader = readerFor(format);
    List<String> warnings = new ArrayList<>();
    try (GuardedImageInputStream input = new GuardedImageInputStream(bytes, timeout)) {
      // ignoreMetadata: no metadata a reader parses is used (ExifOrientation reads the
      // orientation from the bytes), and parsing it is unbounded work: the JDK's GIF reader
      // concatenates a comment's sub-blocks one copy at a time (quadratic), its PNG reader
      // inflates every zTXt/iTXt chunk, up to 256 KiB each. Readers still read what decoding
      // needs (palettes, transparency, a JPEG's ICC profile and Adobe marker): the pixels are
      // those of a decode with metadata (guarded by MetadataBudgetTest).
      reader.setInput(input, true, true);
      reader.addIIOReadWarningListener((source, warning) -> {
        warnings.add(warning);
        if (TRUNCATION_WARNING.matcher(warning).find()) {
          // The rest would be filler rows for an image already known to be corrupt: with a header
          // that claims a huge size, decoding them costs seconds. Stop at the next scanline.
          source.abort();
        }
      });
      int width = reader.getWidth(FIRST_FRAME);
      int height = reader.getHeight(FIRST_FRAME);
      checkPixels(format, width, height);
      BufferedImage frame = reader.read(FIRST_FRAME, reader.getDefaultReadParam());
      // ImageIO returns a half-grey picture for a truncated JPEG and only warns; that is corrupt
      // input. Other warnings (no ICC profile, extraneous bytes) are common in real photos.
      for (String warning : warnings) {
        if (TRUNCATION_WARNING.matcher(warning).find()) {
          throw new ImageRejectedException(
              DeadLetterReason.CORRUPT, format.label() + " is truncated: " + warning);
        }
      }
      // The work after the last read stays within the same budgets: the returned frame is held
      // to the pixel limit too (the header's size was checked, not the raster's), so the
      // conversion and the rotation, each one more 3-byte-per-pixel copy, never work on more
      // than maxPixels; both start before the deadline, the conversion checks it between bands.
      checkPixels(format, frame.getWidth(), frame.getHeight());
      BgrImage image = BgrImage.of(frame, input::checkDeadline);
      if (format == ImageFormat.JPEG) {
        input.checkDeadline();
        image = ExifOrientation.apply(image, ExifOrientation.ofJpeg(bytes));
      }
      return new Decoded(image, format);
    } catch (IOException | RuntimeException e) {
      if (hasCause(e, GuardedImageInputStream.DeadlineExceeded.class)) {
        throw new ImageRejectedException(
            DeadLetterReason.TIMEOUT, format.label() + " " + describe(e), e);
      }
      throw new ImageRejectedException(
          DeadLetterReason.CORRUPT, format.label() + " could not be decoded: " + describe(e), e);
    } finally {
      reader.dispose();
    }
  }

  private void checkPixels(ImageFormat format, int width, int height)
      throws ImageRejectedException {
    if (width <= 0 || height <= 0) {
      throw new ImageRejectedException(
          DeadLetterReason.CORRUPT,
          format.label() + " header gives no size: " + width + "x" + height);
    }
    long pixels = (long) width * height;
    if (pixels > maxPixels) {
      throw new ImageRejectedException(
          DeadLetterReason.TOO_MANY_PIXELS,
          format.label() + " is " + width + "x" + height + " = " + pixels
              + " pixels, above the limit of " + maxPixels);
    }
  }

  private static ImageReader readerFor(ImageFormat format) throws ImageRejectedException {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.label());
    if (!readers.hasNext()) {
      throw new ImageRejectedException(
          DeadLetterReason.UNSUPPORTED_FORMAT,
          "no ImageIO reader for " + format.label() + " on the classpath");
    }
    return readers.next();
  }

  private static boolean hasCause(Throwable error, Class<? extends Throwable> type) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Exception e) {
    return e.getMessage() == null
        ? e.getClass().getSimpleName()
        : e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
