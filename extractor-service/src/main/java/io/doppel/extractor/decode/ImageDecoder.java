package io.doppel.extractor.decode;

import io.doppel.extractor.ImageRejectedException;
import io.doppel.schemas.avro.DeadLetterReason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Bytes to pixels, defensively: the format is sniffed from magic bytes, the dimensions are read
 * from the header and refused above the pixel limit before any pixel is decoded (decompression
 * bombs), only the first frame of animations is read, EXIF orientation is applied and alpha is
 * composited onto white. ImageIO does the decoding, with TwelveMonkeys' readers (CMYK and
 * progressive JPEG, WebP, TIFF) registered from the classpath.
 */
public final class ImageDecoder {

  private static final int FIRST_FRAME = 0;
  private static final Pattern TRUNCATION_WARNING = Pattern.compile("premature|truncat|end of (file|stream|data)|\\bEOF\\b", Pattern.CASE_INSENSITIVE);

  static {
    // No temp files for stream caching; all input is already in memory.
    ImageIO.setUseCache(false);
    ImageIO.scanForPlugins();
  }

  private final long maxPixels;

  public ImageDecoder(long maxPixels) {
    if (maxPixels <= 0) {
      throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
    }
    this.maxPixels = maxPixels;
  }

  public record Decoded(BgrImage image, ImageFormat format) {}

  public Decoded decode(byte[] bytes) throws ImageRejectedException {
    if (bytes.length == 0) {
      throw new ImageRejectedException(DeadLetterReason.CORRUPT, "empty image (0 bytes)");
    }
    ImageFormat format = ImageFormat.sniff(bytes).orElseThrow(() -> new ImageRejectedException(
        DeadLetterReason.UNSUPPORTED_FORMAT, "not a JPEG, PNG, WebP, GIF, BMP or TIFF (unknown magic bytes)"));
    ImageReader reader = readerFor(format);
    List<String> warnings = new ArrayList<>();
    try (ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      reader.setInput(input, true, false);
      reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
      int width = reader.getWidth(FIRST_FRAME);
      int height = reader.getHeight(FIRST_FRAME);
      checkPixels(format, width, height);
      BufferedImage frame = reader.read(FIRST_FRAME, reader.getDefaultReadParam());
      // ImageIO returns a half-grey picture for a truncated JPEG and only warns; that is corrupt
      // input. Other warnings (no ICC profile, extraneous bytes) are common in real photos.
      for (String warning : warnings) {
        if (TRUNCATION_WARNING.matcher(warning).find()) {
          throw new ImageRejectedException(DeadLetterReason.CORRUPT, format.label() + " is truncated: " + warning);
        }
      }
      BgrImage image = BgrImage.of(frame);
      if (format == ImageFormat.JPEG) {
        image = ExifOrientation.apply(image, ExifOrientation.ofJpeg(bytes));
      }
      return new Decoded(image, format);
    } catch (IOException | RuntimeException e) {
      throw new ImageRejectedException(DeadLetterReason.CORRUPT, format.label() + " could not be decoded: " + describe(e), e);
    } finally {
      reader.dispose();
    }
  }

  private void checkPixels(ImageFormat format, int width, int height) throws ImageRejectedException {
    if (width <= 0 || height <= 0) {
      throw new ImageRejectedException(DeadLetterReason.CORRUPT, format.label() + " header gives no size: " + width + "x" + height);
    }
    long pixels = (long) width * height;
    if (pixels > maxPixels) {
      throw new ImageRejectedException(DeadLetterReason.TOO_MANY_PIXELS,
          format.label() + " is " + width + "x" + height + " = " + pixels + " pixels, above the limit of " + maxPixels);
    }
  }

  private static ImageReader readerFor(ImageFormat format) throws ImageRejectedException {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.label());
    if (!readers.hasNext()) {
      throw new ImageRejectedException(DeadLetterReason.UNSUPPORTED_FORMAT, "no ImageIO reader for " + format.label() + " on the classpath");
    }
    return readers.next();
  }

  private static String describe(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
