package io.doppel.image.decode;

import java.util.Optional;

/** The image formats the extractor decodes, recognised by their magic bytes, never by a claimed type. */
public enum ImageFormat {
  JPEG("jpeg"),
  PNG("png"),
  WEBP("webp"),
  GIF("gif"),
  BMP("bmp"),
  TIFF("tiff");

  private final String label;

  ImageFormat(String label) {
    this.label = label;
  }

  /** The lower-case name written to {@code ImageFeatures.format}. */
  public String label() {
    return label;
  }

  public static Optional<ImageFormat> sniff(byte[] bytes) {
    if (startsWith(bytes, 0, 0xFF, 0xD8, 0xFF)) {
      return Optional.of(JPEG);
    }
    if (startsWith(bytes, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return Optional.of(PNG);
    }
    if (startsWith(bytes, 0, 'R', 'I', 'F', 'F') && startsWith(bytes, 8, 'W', 'E', 'B', 'P')) {
      return Optional.of(WEBP);
    }
    if (startsWith(bytes, 0, 'G', 'I', 'F', '8', '7', 'a')
        || startsWith(bytes, 0, 'G', 'I', 'F', '8', '9', 'a')) {
      return Optional.of(GIF);
    }
    if (startsWith(bytes, 0, 'B', 'M')) {
      return Optional.of(BMP);
    }
    if (startsWith(bytes, 0, 'I', 'I', 0x2A, 0x00) || startsWith(bytes, 0, 'M', 'M', 0x00, 0x2A)) {
      return Optional.of(TIFF);
    }
    return Optional.empty();
  }

  private static boolean startsWith(byte[] bytes, int offset, int... magic) {
    if (bytes.length < offset + magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((bytes[offset + i] & 0xFF) != magic[i]) {
        return false;
      }
    }
    return true;
  }
}
