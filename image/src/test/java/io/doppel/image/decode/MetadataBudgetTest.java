package io.doppel.image.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.testing.ImageFiles;
import io.doppel.testing.SyntheticImages;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Metadata the decoder never uses costs neither time nor heap: a file whose text, comment or XMP chunks are megabytes
 * long (or inflate to megabytes) decodes within a small allocation budget, while the pixels stay those of a decode
 * that reads all metadata and the EXIF orientation of a JPEG is still applied.
 */
class MetadataBudgetTest {

  private static final long MAX_PIXELS = 40_000_000L;
  /** Far below what parsing the hostile chunks below costs, far above what decoding the small picture costs. */
  private static final long ALLOCATION_BUDGET = 48L * 1024 * 1024;

  private final ImageDecoder decoder = new ImageDecoder(MAX_PIXELS);
  private final BufferedImage scene = SyntheticImages.texture(11, 96, 64);

  @Test
  void pngTextChunksThatInflateToHundredsOfMegabytesAreNotInflated() throws Exception {
    // each zTXt chunk is ~300 bytes that inflate to the reader's cap per chunk (256 KiB): 1,000 of
    // them are
    // a 300 kB file whose parsed metadata would hold 256 MB of text
    byte[] zeros = deflate(new byte[256 * 1024]);
    byte[] ztxt = concat("Comment".getBytes(StandardCharsets.ISO_8859_1), new byte[] {0, 0}, zeros);
    byte[] png = ImageFiles.encode(scene, "png");
    byte[] hostile = insertPngChunks(png, "zTXt", ztxt, 1_000);

    assertDecodesWithinBudget(hostile, png);
  }

  @Test
  void aMultiMegabytePngChunkIsSkippedNotCopied() throws Exception {
    byte[] png = ImageFiles.encode(scene, "png");
    byte[] hostile = insertPngChunks(png, "tEXt", text("Comment", 8 << 20), 1);

    assertDecodesWithinBudget(hostile, png);
  }

  @Test
  void aMultiMegabyteGifCommentIsSkippedNotConcatenated() throws Exception {
    // the comment is read as 255-byte sub-blocks; concatenating them one by one costs quadratic
    // time and heap
    byte[] gif = ImageFiles.encode(scene, "gif");
    byte[] hostile = insertGifComment(gif, 2 << 20);

    assertDecodesWithinBudget(hostile, gif);
  }

  @Test
  void aJpegWithMegabytesOfXmpAndCommentsStillHonoursItsExifOrientation() throws Exception {
    BufferedImage halves = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
    var g = halves.createGraphics();
    g.setColor(Color.RED);
    g.fillRect(0, 0, 24, 32);
    g.setColor(Color.BLUE);
    g.fillRect(24, 0, 24, 32);
    g.dispose();
    byte[] jpeg = ImageFiles.encode(halves, "jpeg");
    byte[] oriented = insertJpegSegment(jpeg, 0xE1, exifWithOrientation(6));
    byte[] xmp = concat(
        "http://ns.adobe.com/xap/1.0/\0".getBytes(StandardCharsets.ISO_8859_1), text("x", 60_000));
    byte[] hostile = oriented;
    for (int i = 0; i < 64; i++) { // 64 × 60 kB of XMP and as much comment: 7.7 MB of metadata
      hostile = insertJpegSegment(hostile, 0xE1, xmp);
      hostile = insertJpegSegment(hostile, 0xFE, text("c", 60_000));
    }

    BgrImage image = assertDecodesWithinBudget(hostile, oriented);

    assertThat(image.width()).as("rotated by EXIF orientation 6").isEqualTo(32);
    assertThat(image.height()).isEqualTo(48);
    assertThat(ImageDecoderTest.pixel(image, 16, 8)[2]).as("red on top").isGreaterThan(200);
    assertThat(ImageDecoderTest.pixel(image, 16, 40)[0]).as("blue below").isGreaterThan(200);
  }

  /** What ImageIO decodes with every metadata chunk read is what the decoder gives without them. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "jpeg",
        "png",
        "gif",
        "bmp",
        "tiff",
        "/images/halves-48x32-cmyk.jpg",
        "/images/halves-48x32.webp",
        "/images/webp/scene-alpha-96x96-lossy.webp",
        "transparent-gif",
        "palette-png",
        "icc-jpeg"
      })
  void skippingMetadataChangesNoPixel(String sample) throws Exception {
    byte[] bytes = sample(sample);

    BgrImage withMetadata = decodeReadingAllMetadata(bytes);

    assertThat(decoder.decode(bytes).image().bgr()).isEqualTo(withMetadata.bgr());
  }

  @Test
  void aJpegsIccProfileIsStillApplied() throws Exception {
    byte[] plain = ImageFiles.encode(scene, "jpeg");

    byte[] tagged = sample("icc-jpeg");

    assertThat(decoder.decode(tagged).image().bgr())
        .as("a linear-RGB profile changes the colours")
        .isNotEqualTo(decoder.decode(plain).image().bgr());
  }

  private byte[] sample(String name) {
    if (name.startsWith("/")) {
      return ImageFiles.resource(name);
    }
    return switch (name) {
      case "icc-jpeg" -> {
        // an APP2 ICC_PROFILE segment (one chunk of one) with the JDK's linear-RGB profile
        byte[] profile = java.awt.color.ICC_Profile.getInstance(
                java.awt.color.ColorSpace.CS_LINEAR_RGB)
            .getData();
        byte[] app2 = concat(
            "ICC_PROFILE\0".getBytes(StandardCharsets.ISO_8859_1), new byte[] {1, 1}, profile);
        yield insertJpegSegment(ImageFiles.encode(scene, "jpeg"), 0xE2, app2);
      }
      case "transparent-gif", "palette-png" -> {
        BufferedImage argb = new BufferedImage(40, 30, BufferedImage.TYPE_INT_ARGB);
        var g = argb.createGraphics();
        g.setColor(Color.GREEN);
        g.fillRect(0, 0, 20, 30);
        g.dispose();
        // drawn into an indexed image, the transparent half becomes a transparent palette entry
        BufferedImage indexed = new BufferedImage(
            40,
            30,
            BufferedImage.TYPE_BYTE_INDEXED,
            new java.awt.image.IndexColorModel(
                8, 2, new byte[] {0, 0}, new byte[] {0, (byte) 255}, new byte[] {0, 0}, 0));
        indexed.getGraphics().drawImage(argb, 0, 0, null);
        yield ImageFiles.encode(indexed, name.equals("palette-png") ? "png" : "gif");
      }
      default -> ImageFiles.encode(scene, name);
    };
  }

  /** A decode that reads every metadata chunk, as the decoder did before it ignored them. */
  private static BgrImage decodeReadingAllMetadata(byte[] bytes) throws Exception {
    try (ImageInputStream input = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      ImageReader reader = ImageIO.getImageReaders(input).next();
      try {
        reader.setInput(input, true, false);
        BgrImage image = BgrImage.of(reader.read(0));
        return bytes[0] == (byte) 0xFF
            ? ExifOrientation.apply(image, ExifOrientation.ofJpeg(bytes))
            : image;
      } finally {
        reader.dispose();
      }
    }
  }

  /** Decodes {@code hostile} with a bounded allocation and checks it has the pixels of {@code plain}. */
  private BgrImage assertDecodesWithinBudget(byte[] hostile, byte[] plain) throws Exception {
    BgrImage expected = decoder.decode(plain).image();
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().threadId();
    long before = threads.getThreadAllocatedBytes(thread);
    long start = System.nanoTime();

    BgrImage image = decoder.decode(hostile).image();

    long allocated = threads.getThreadAllocatedBytes(thread) - before;
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(allocated)
        .as("bytes allocated decoding a %d-byte file (%d ms)", hostile.length, millis)
        .isLessThan(ALLOCATION_BUDGET + 2L * hostile.length);
    assertThat(image.bgr()).as("the pixels without the extra metadata").isEqualTo(expected.bgr());
    return image;
  }

  // ---- building hostile files

  private static byte[] text(String keyword, int length) {
    byte[] out = new byte[keyword.length() + 1 + length];
    System.arraycopy(keyword.getBytes(StandardCharsets.ISO_8859_1), 0, out, 0, keyword.length());
    java.util.Arrays.fill(out, keyword.length() + 1, out.length, (byte) 'a');
    return out;
  }

  private static byte[] deflate(byte[] data) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (DeflaterOutputStream deflater = new DeflaterOutputStream(out)) {
      deflater.write(data);
    }
    return out.toByteArray();
  }

  /** {@code count} copies of one chunk right after IHDR, each with its CRC. */
  private static byte[] insertPngChunks(byte[] png, String type, byte[] data, int count) {
    int afterIhdr = 8 + 4 + 4 + 13 + 4;
    ByteBuffer chunk = ByteBuffer.allocate(12 + data.length);
    byte[] typeBytes = type.getBytes(StandardCharsets.ISO_8859_1);
    chunk.putInt(data.length).put(typeBytes).put(data);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    chunk.putInt((int) crc.getValue());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(png, 0, afterIhdr);
    for (int i = 0; i < count; i++) {
      out.write(chunk.array(), 0, chunk.capacity());
    }
    out.write(png, afterIhdr, png.length - afterIhdr);
    return out.toByteArray();
  }

  /** A comment extension of {@code length} bytes before the first image. */
  private static byte[] insertGifComment(byte[] gif, int length) {
    int packed = gif[10] & 0xFF;
    int position = 13 + ((packed & 0x80) != 0 ? 3 * (1 << ((packed & 0x07) + 1)) : 0);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(gif, 0, position);
    out.write(0x21);
    out.write(0xFE);
    byte[] block = new byte[255];
    java.util.Arrays.fill(block, (byte) 'c');
    for (int left = length; left > 0; left -= 255) {
      int n = Math.min(255, left);
      out.write(n);
      out.write(block, 0, n);
    }
    out.write(0);
    out.write(gif, position, gif.length - position);
    return out.toByteArray();
  }

  /** One segment right after SOI. */
  private static byte[] insertJpegSegment(byte[] jpeg, int marker, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    out.write(0xFF);
    out.write(marker);
    out.write((data.length + 2) >> 8);
    out.write((data.length + 2) & 0xFF);
    out.write(data, 0, data.length);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  /** An APP1 Exif payload whose IFD0 holds only the orientation tag. */
  private static byte[] exifWithOrientation(int orientation) {
    ByteBuffer exif = ByteBuffer.allocate(6 + 8 + 2 + 12 + 4).order(ByteOrder.BIG_ENDIAN);
    exif.put("Exif\0\0".getBytes(StandardCharsets.ISO_8859_1));
    exif.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
    exif.putShort((short) 1);
    exif.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation);
    exif.putShort((short) 0);
    exif.putInt(0);
    return exif.array();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.write(part, 0, part.length);
    }
    return out.toByteArray();
  }
}
