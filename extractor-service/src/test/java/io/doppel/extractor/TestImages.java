package io.doppel.extractor;

import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/** Generated test images: textured synthetic scenes, encoded in every format, and broken variants. */
public final class TestImages {

  private static final int SHAPES = 40;

  private TestImages() {}

  /** A deterministic scene of coloured shapes and text: enough corners for ORB everywhere. */
  public static BufferedImage scene(int width, int height, long seed) {
    Random random = new Random(seed);
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
    g.setColor(new Color(random.nextInt(0xFFFFFF)));
    g.fillRect(0, 0, width, height);
    int shapes = SHAPES * Math.max(1, (width * height) / (320 * 240));
    for (int i = 0; i < shapes; i++) {
      g.setColor(new Color(random.nextInt(0xFFFFFF)));
      int x = random.nextInt(width);
      int y = random.nextInt(height);
      int w = 8 + random.nextInt(Math.max(1, width / 4));
      int h = 8 + random.nextInt(Math.max(1, height / 4));
      switch (random.nextInt(4)) {
        case 0 -> g.fillRect(x, y, w, h);
        case 1 -> g.fillOval(x, y, w, h);
        case 2 -> {
          g.setStroke(new BasicStroke(1 + random.nextInt(4)));
          g.drawLine(x, y, x + w, y + h);
        }
        default -> {
          g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 10 + random.nextInt(24)));
          g.drawString("Doppel" + i, x, y);
        }
      }
    }
    g.dispose();
    return image;
  }

  public static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static byte[] progressiveJpeg(BufferedImage image) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(stream);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /** An animated GIF whose first frame is {@code first} and the others plain colours. */
  public static byte[] animatedGif(BufferedImage first, int frames) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(stream);
      writer.prepareWriteSequence(null);
      for (int i = 0; i < frames; i++) {
        BufferedImage frame = i == 0 ? first : solid(first.getWidth(), first.getHeight(), new Color(i * 37 % 256, 0, 255 - i % 256));
        writer.writeToSequence(new IIOImage(frame, null, frameMetadata(writer, frame)), null);
      }
      writer.endWriteSequence();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  private static IIOMetadata frameMetadata(ImageWriter writer, BufferedImage frame) throws IOException {
    IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), null);
    String format = metadata.getNativeMetadataFormatName();
    IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree(format);
    IIOMetadataNode control = new IIOMetadataNode("GraphicControlExtension");
    control.setAttribute("disposalMethod", "none");
    control.setAttribute("userInputFlag", "FALSE");
    control.setAttribute("transparentColorFlag", "FALSE");
    control.setAttribute("delayTime", "1");
    control.setAttribute("transparentColorIndex", "0");
    root.appendChild(control);
    metadata.setFromTree(format, root);
    return metadata;
  }

  public static BufferedImage solid(int width, int height, Color colour) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = image.createGraphics();
    g.setColor(colour);
    g.fillRect(0, 0, width, height);
    g.dispose();
    return image;
  }

  /** A PNG whose IHDR claims {@code width x height} (CRC fixed), pixel data unchanged. */
  public static byte[] pngWithHeaderSize(byte[] png, int width, int height) {
    byte[] edited = png.clone();
    ByteBuffer buffer = ByteBuffer.wrap(edited);
    // 8-byte signature, 4-byte length, "IHDR" at 12, width at 16, height at 20, CRC after 13 data bytes.
    buffer.putInt(16, width);
    buffer.putInt(20, height);
    CRC32 crc = new CRC32();
    crc.update(edited, 12, 4 + 13);
    buffer.putInt(29, (int) crc.getValue());
    return edited;
  }

  /** A JPEG whose SOF0/SOF2 segment claims {@code width x height}. */
  public static byte[] jpegWithHeaderSize(byte[] jpeg, int width, int height) {
    byte[] edited = jpeg.clone();
    int position = 2;
    while (position + 9 < edited.length) {
      int marker = edited[position + 1] & 0xFF;
      int length = ((edited[position + 2] & 0xFF) << 8) | (edited[position + 3] & 0xFF);
      if (marker == 0xC0 || marker == 0xC2) {
        ByteBuffer buffer = ByteBuffer.wrap(edited);
        buffer.putShort(position + 5, (short) height);
        buffer.putShort(position + 7, (short) width);
        return edited;
      }
      position += 2 + length;
    }
    throw new IllegalArgumentException("no SOF marker found");
  }

  public static byte[] resource(String path) {
    try (InputStream in = TestImages.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("missing test resource " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static UploadEvent inline(String imageId, byte[] bytes) {
    return UploadEvent.newBuilder().setTenant("tenant-a").setImageId(imageId).setPurpose(Purpose.UPLOAD)
        .setInlineBytes(ByteBuffer.wrap(bytes)).setContentType("image/jpeg").setUploadedAt(Instant.ofEpochMilli(1_700_000_000_000L)).build();
  }

  public static UploadEvent fromSource(String imageId, String source) {
    return UploadEvent.newBuilder().setTenant("tenant-a").setImageId(imageId).setPurpose(Purpose.UPLOAD)
        .setSource(source).setUploadedAt(Instant.ofEpochMilli(1_700_000_000_000L)).build();
  }
}
