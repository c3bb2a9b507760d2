package io.doppel.extractor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * Malformed variants of a valid JPEG, PNG, GIF or WebP file, for fuzzing the decoder: truncation,
 * bit flips, edited header dimensions, corrupted chunks/markers/blocks, and spliced byte ranges.
 * Deterministic for a given {@link Random}. The structure of each format is parsed only as far as
 * needed to find the fields worth corrupting (segment lengths, chunk types, dimension fields).
 */
public final class ImageMutator {

  /** What was done to the seed; with the seed name and index it reproduces the input. */
  public enum Kind {
    TRUNCATE,
    BIT_FLIPS,
    HEADER_DIMENSIONS,
    STRUCTURE,
    SPLICE
  }

  public record Mutant(Kind kind, String description, byte[] bytes) {}

  public enum Format {
    JPEG,
    PNG,
    GIF,
    WEBP,
    BMP,
    TIFF
  }

  /** A field of the file's structure: where it is and how many bytes it spans. */
  private record Field(int offset, int length, String name) {}

  private static final int MAX_BIT_FLIPS = 16;
  private static final int MAGIC_BYTES = 4;
  private static final int MAX_SPLICE = 64;
  /** Dimensions that break readers: zero, one, powers of two around int16/uint16/int32 limits. */
  private static final int[] EDGE_DIMENSIONS = {
    0, 1, 2, 255, 256, 4_096, 16_383, 16_384, 32_767, 32_768, 65_535
  };

  private static final int PNG_SIGNATURE = 8;
  private static final int PNG_IHDR_WIDTH = 16;
  private static final int PNG_IHDR_DATA = 12;
  private static final int PNG_IHDR_LENGTH = 13;
  private static final int GIF_SCREEN_WIDTH = 6;
  private static final int GIF_PACKED = 10;
  private static final int GIF_HEADER_END = 13;
  private static final int RIFF_HEADER = 12;

  private final Format format;
  private final byte[] seed;
  private final List<Field> structure;
  private final List<Field> dimensions;

  public ImageMutator(Format format, byte[] seed) {
    this.format = format;
    this.seed = seed.clone();
    this.structure = new ArrayList<>();
    this.dimensions = new ArrayList<>();
    switch (format) {
      case JPEG -> parseJpeg();
      case PNG -> parsePng();
      case GIF -> parseGif();
      case WEBP -> parseWebp();
      case BMP -> parseBmp();
      case TIFF -> parseTiff();
    }
    if (dimensions.isEmpty()) {
      throw new IllegalArgumentException(
          format + " seed has no dimension field this mutator knows");
    }
  }

  public Mutant mutate(Random random) {
    Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
    return switch (kind) {
      case TRUNCATE -> truncate(random);
      case BIT_FLIPS -> bitFlips(random);
      case HEADER_DIMENSIONS -> headerDimensions(random);
      case STRUCTURE -> structure(random);
      case SPLICE -> splice(random);
    };
  }

  private Mutant truncate(Random random) {
    int length = random.nextBoolean()
        ? random.nextInt(seed.length)
        // Cuts just after a structural field are the ones parsers handle worst.
        : Math.min(seed.length - 1, endOf(structure.get(random.nextInt(structure.size()))));
    return new Mutant(
        Kind.TRUNCATE,
        "truncated to " + length + " of " + seed.length,
        Arrays.copyOf(seed, length));
  }

  private Mutant bitFlips(Random random) {
    byte[] bytes = seed.clone();
    int flips = 1 + random.nextInt(MAX_BIT_FLIPS);
    // Mostly keep the magic bytes so the flips reach the format's decoder, not the sniffer.
    int from = random.nextInt(10) == 0 ? 0 : MAGIC_BYTES;
    for (int i = 0; i < flips; i++) {
      int position = from + random.nextInt(bytes.length - from);
      bytes[position] ^= (byte) (1 << random.nextInt(Byte.SIZE));
    }
    return new Mutant(Kind.BIT_FLIPS, flips + " bit flips", fixPngCrcs(bytes, random));
  }

  private Mutant headerDimensions(Random random) {
    byte[] bytes = seed.clone();
    Field field = dimensions.get(random.nextInt(dimensions.size()));
    int value = random.nextBoolean()
        ? EDGE_DIMENSIONS[random.nextInt(EDGE_DIMENSIONS.length)]
        : random.nextInt((int) Math.min(Integer.MAX_VALUE, 1L << (field.length() * Byte.SIZE)));
    write(bytes, field, value);
    return new Mutant(
        Kind.HEADER_DIMENSIONS, field.name() + " := " + value, fixPngCrcs(bytes, random));
  }

  private Mutant structure(Random random) {
    byte[] bytes = seed.clone();
    Field field = structure.get(random.nextInt(structure.size()));
    int value = switch (random.nextInt(4)) {
      case 0 -> 0;
      case 1 -> -1;
      case 2 -> random.nextInt();
      default -> read(bytes, field) + random.nextInt(9) - 4;
    };
    write(bytes, field, value);
    return new Mutant(Kind.STRUCTURE, field.name() + " := " + value, fixPngCrcs(bytes, random));
  }

  private Mutant splice(Random random) {
    int at = MAGIC_BYTES + random.nextInt(seed.length - MAGIC_BYTES);
    int length = 1 + random.nextInt(MAX_SPLICE);
    byte[] bytes;
    String description;
    switch (random.nextInt(3)) {
      case 0 -> { // delete a range
        int end = Math.min(seed.length, at + length);
        bytes = concat(Arrays.copyOf(seed, at), Arrays.copyOfRange(seed, end, seed.length));
        description = "deleted [" + at + ", " + end + ")";
      }
      case 1 -> { // insert random bytes
        byte[] noise = new byte[length];
        random.nextBytes(noise);
        bytes = concat(Arrays.copyOf(seed, at), noise, Arrays.copyOfRange(seed, at, seed.length));
        description = "inserted " + length + " random bytes at " + at;
      }
      default -> { // repeat a range (duplicated chunks, markers, frames)
        int end = Math.min(seed.length, at + length);
        bytes = concat(Arrays.copyOf(seed, end), Arrays.copyOfRange(seed, at, seed.length));
        description = "repeated [" + at + ", " + end + ")";
      }
    }
    return new Mutant(Kind.SPLICE, description, bytes);
  }

  /** Half the time a PNG's CRCs are made right again, so that the damage reaches the decoder. */
  private byte[] fixPngCrcs(byte[] bytes, Random random) {
    if (format != Format.PNG || random.nextBoolean()) {
      return bytes;
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    int position = PNG_SIGNATURE;
    while (position + 8 <= bytes.length) {
      long length = buffer.getInt(position) & 0xFFFF_FFFFL;
      long crcAt = position + 8 + length;
      if (crcAt + 4 > bytes.length) {
        break;
      }
      CRC32 crc = new CRC32();
      crc.update(bytes, position + 4, (int) (4 + length));
      buffer.putInt((int) crcAt, (int) crc.getValue());
      position = (int) crcAt + 4;
    }
    return bytes;
  }

  private void parsePng() {
    ByteBuffer buffer = ByteBuffer.wrap(seed);
    dimensions.add(new Field(PNG_IHDR_WIDTH, 4, "IHDR width"));
    dimensions.add(new Field(PNG_IHDR_WIDTH + 4, 4, "IHDR height"));
    structure.add(new Field(PNG_IHDR_DATA + 4 + 8, 1, "IHDR bit depth"));
    structure.add(new Field(PNG_IHDR_DATA + 4 + 9, 1, "IHDR colour type"));
    structure.add(new Field(PNG_IHDR_DATA + 4 + PNG_IHDR_LENGTH - 1, 1, "IHDR interlace"));
    int position = PNG_SIGNATURE;
    while (position + 8 <= seed.length) {
      int length = buffer.getInt(position);
      String type = new String(seed, position + 4, 4, java.nio.charset.StandardCharsets.US_ASCII);
      structure.add(new Field(position, 4, type + " length"));
      structure.add(new Field(position + 4, 4, type + " type"));
      structure.add(new Field(position + 8 + length, 4, type + " CRC"));
      if (type.equals("IDAT") && length > 2) {
        structure.add(new Field(position + 8, 2, "IDAT zlib header"));
      }
      position += 12 + length;
    }
  }

  private void parseJpeg() {
    int position = 2;
    while (position + 4 <= seed.length && (seed[position] & 0xFF) == 0xFF) {
      int marker = seed[position + 1] & 0xFF;
      int length = ((seed[position + 2] & 0xFF) << 8) | (seed[position + 3] & 0xFF);
      String name = String.format("marker %02X", marker);
      structure.add(new Field(position + 1, 1, name + " code"));
      structure.add(new Field(position + 2, 2, name + " length"));
      boolean startOfFrame =
          marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (startOfFrame) {
        structure.add(new Field(position + 4, 1, name + " precision"));
        dimensions.add(new Field(position + 5, 2, name + " height"));
        dimensions.add(new Field(position + 7, 2, name + " width"));
        structure.add(new Field(position + 9, 1, name + " components"));
      }
      if (marker == 0xC4) {
        structure.add(new Field(position + 4, 1, "DHT class/id"));
      }
      if (marker == 0xDA) {
        structure.add(new Field(position + 4, 1, "SOS components"));
        // Entropy-coded data follows; later markers (progressive scans) are found by scanning.
        addLaterJpegMarkers(position + 2 + length);
        return;
      }
      position += 2 + length;
    }
  }

  private void addLaterJpegMarkers(int from) {
    for (int i = from; i + 1 < seed.length; i++) {
      int next = seed[i + 1] & 0xFF;
      if ((seed[i] & 0xFF) == 0xFF && next != 0x00 && !(next >= 0xD0 && next <= 0xD7)) {
        structure.add(new Field(i + 1, 1, String.format("marker %02X code", next)));
      }
    }
  }

  private void parseGif() {
    dimensions.add(new Field(GIF_SCREEN_WIDTH, 2, "screen width"));
    dimensions.add(new Field(GIF_SCREEN_WIDTH + 2, 2, "screen height"));
    structure.add(new Field(GIF_PACKED, 1, "screen packed fields"));
    int packed = seed[GIF_PACKED] & 0xFF;
    int position = GIF_HEADER_END + ((packed & 0x80) != 0 ? 3 * (2 << (packed & 0x07)) : 0);
    while (position < seed.length) {
      int introducer = seed[position] & 0xFF;
      structure.add(new Field(position, 1, "block introducer"));
      if (introducer == 0x21) {
        structure.add(new Field(position + 1, 1, "extension label"));
        position = skipSubBlocks(position + 2);
      } else if (introducer == 0x2C) {
        dimensions.add(new Field(position + 1, 2, "frame left"));
        dimensions.add(new Field(position + 5, 2, "frame width"));
        dimensions.add(new Field(position + 7, 2, "frame height"));
        int framePacked = seed[position + 9] & 0xFF;
        structure.add(new Field(position + 9, 1, "frame packed fields"));
        position += 10 + ((framePacked & 0x80) != 0 ? 3 * (2 << (framePacked & 0x07)) : 0);
        structure.add(new Field(position, 1, "LZW minimum code size"));
        position = skipSubBlocks(position + 1);
      } else {
        return;
      }
    }
  }

  private int skipSubBlocks(int position) {
    while (position < seed.length) {
      int size = seed[position] & 0xFF;
      structure.add(new Field(position, 1, "sub-block size"));
      position += 1 + size;
      if (size == 0) {
        break;
      }
    }
    return position;
  }

  private void parseWebp() {
    ByteBuffer buffer = ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN);
    structure.add(new Field(4, 4, "RIFF size"));
    int position = RIFF_HEADER;
    while (position + 8 <= seed.length) {
      String fourcc = new String(seed, position, 4, java.nio.charset.StandardCharsets.US_ASCII);
      int size = buffer.getInt(position + 4);
      structure.add(new Field(position, 4, fourcc + " FourCC"));
      structure.add(new Field(position + 4, 4, fourcc + " size"));
      int data = position + 8;
      switch (fourcc) {
        case "VP8X" -> {
          structure.add(new Field(data, 1, "VP8X flags"));
          dimensions.add(new Field(data + 4, 3, "VP8X canvas width-1"));
          dimensions.add(new Field(data + 7, 3, "VP8X canvas height-1"));
        }
        case "VP8L" -> {
          structure.add(new Field(data, 1, "VP8L signature"));
          // 14-bit width-1 and height-1 packed little-endian after the signature byte.
          dimensions.add(new Field(data + 1, 2, "VP8L width bits"));
          dimensions.add(new Field(data + 2, 2, "VP8L height bits"));
        }
        case "VP8 " -> {
          structure.add(new Field(data, 3, "VP8 frame tag"));
          structure.add(new Field(data + 3, 3, "VP8 start code"));
          dimensions.add(new Field(data + 6, 2, "VP8 width"));
          dimensions.add(new Field(data + 8, 2, "VP8 height"));
        }
        default -> {}
      }
      position = data + size + (size & 1);
    }
  }

  private int read(byte[] bytes, Field field) {
    int value = 0;
    for (int i = 0; i < field.length() && field.offset() + i < bytes.length; i++) {
      value = littleEndian()
          ? value | ((bytes[field.offset() + i] & 0xFF) << (Byte.SIZE * i))
          : (value << Byte.SIZE) | (bytes[field.offset() + i] & 0xFF);
    }
    return value;
  }

  private void write(byte[] bytes, Field field, int value) {
    for (int i = 0; i < field.length() && field.offset() + i < bytes.length; i++) {
      int shift = Byte.SIZE * (littleEndian() ? i : field.length() - 1 - i);
      bytes[field.offset() + i] = (byte) (value >>> shift);
    }
  }

  /** GIF, WebP (RIFF) and BMP store numbers little-endian; JPEG and PNG big-endian; TIFF as its header says. */
  private boolean littleEndian() {
    return format == Format.GIF
        || format == Format.WEBP
        || format == Format.BMP
        || (format == Format.TIFF && seed[0] == 'I');
  }

  /** BITMAPFILEHEADER and BITMAPINFOHEADER: sizes, offsets, depth, compression, palette size. */
  private void parseBmp() {
    structure.add(new Field(2, 4, "file size"));
    structure.add(new Field(10, 4, "pixel data offset"));
    structure.add(new Field(14, 4, "DIB header size"));
    dimensions.add(new Field(18, 4, "width"));
    dimensions.add(new Field(22, 4, "height"));
    structure.add(new Field(26, 2, "planes"));
    structure.add(new Field(28, 2, "bits per pixel"));
    structure.add(new Field(30, 4, "compression"));
    structure.add(new Field(34, 4, "image size"));
    structure.add(new Field(46, 4, "colours used"));
  }

  /** The first IFD: its entry count, every entry's type, count and value, the offset of the next IFD. */
  private void parseTiff() {
    int ifd = read(seed, new Field(4, 4, "IFD offset"));
    structure.add(new Field(4, 4, "IFD offset"));
    int entries = read(seed, new Field(ifd, 2, "IFD entries"));
    structure.add(new Field(ifd, 2, "IFD entries"));
    for (int i = 0; i < entries && ifd + 2 + 12 * (i + 1) <= seed.length; i++) {
      int entry = ifd + 2 + 12 * i;
      int tag = read(seed, new Field(entry, 2, "tag"));
      int type = read(seed, new Field(entry + 2, 2, "type"));
      String name = "tag " + tag;
      Field value = new Field(entry + 8, type == 3 ? 2 : 4, name + " value");
      structure.add(new Field(entry + 2, 2, name + " type"));
      structure.add(new Field(entry + 4, 4, name + " count"));
      if (tag == 256 || tag == 257) {
        dimensions.add(
            new Field(value.offset(), value.length(), tag == 256 ? "ImageWidth" : "ImageLength"));
      } else {
        structure.add(value);
      }
    }
    structure.add(new Field(ifd + 2 + 12 * entries, 4, "next IFD offset"));
  }

  private static int endOf(Field field) {
    return field.offset() + field.length();
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] joined = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, joined, at, part.length);
      at += part.length;
    }
    return joined;
  }
}
