package io.doppel.testing;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * Encoded images for decoder tests: every format ImageIO writes, progressive JPEG, animated GIF, headers that lie about
 * the size, and classpath resources (the WebP seeds under {@code /images/webp/} ship with this module).
 */
public final class ImageFiles {

  private ImageFiles() {}

  /** {@code image} in {@code format} ({@code jpeg}, {@code png}, {@code gif}, {@code bmp}, {@code tiff}, ...). */
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
        BufferedImage frame = i == 0
            ? first
            : SyntheticImages.solid(
                first.getWidth(), first.getHeight(), new Color(i * 37 % 256, 0, 255 - i % 256));
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

  private static IIOMetadata frameMetadata(ImageWriter writer, BufferedImage frame)
      throws IOException {
    IIOMetadata metadata =
        writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(frame), null);
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

  /** A PNG whose IHDR claims {@code width x height} (CRC fixed), pixel data unchanged. */
  public static byte[] pngWithHeaderSize(byte[] png, int width, int height) {
    byte[] edited = png.clone();
    ByteBuffer buffer = ByteBuffer.wrap(edited);
    // 8-byte signature, 4-byte length, "IHDR" at 12, width at 16, height at 20, CRC after 13 data
    // bytes.
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

  /** The bytes of a classpath resource ({@code /images/webp/scene-160x120-lossy.webp}, a module's own fixtures). */
  public static byte[] resource(String path) {
    try (InputStream in = ImageFiles.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("missing test resource " + path);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
