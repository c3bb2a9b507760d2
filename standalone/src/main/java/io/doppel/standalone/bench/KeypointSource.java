package io.doppel.standalone.bench;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.local.LocalFeatures;
import io.doppel.extractor.local.OrbLocalFeatures;
import io.doppel.image.decode.BgrImage;
import io.doppel.matcher.index.BinaryDescriptors;
import io.doppel.matcher.index.StoredKeypoints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * The keypoints of the index benchmark's synthetic images: uniformly random 256-bit descriptors, or descriptors
 * sampled from ORB run on real photos.
 *
 * <p>Why sampling matters: the cost of local recall is set by how full the index's buckets are, and real ORB
 * descriptors are not uniform (some bits are biased, some pairs correlated, and corners, text and edges recur across
 * photos), so random descriptors spread evenly and understate it. A sampled image takes each of its descriptors from
 * the pool of every real descriptor, at random, and flips {@code flippedBits} of its bits: the bit statistics stay
 * those of real photos, two images share few descriptors (so the benchmark's recall@1 still asks whether an image's own
 * keypoints outvote the rest), and a small pool serves a million images. Positions are uniform over a 640 × 480 image,
 * as positions do not enter local recall.
 */
final class KeypointSource {

  private static final int WIDTH = 640;
  private static final int HEIGHT = 480;

  private final Random random;
  /** Its own stream, so that how many bits are flipped does not change which descriptors are picked. */
  private final Random flips;
  /** Real descriptors, {@link BinaryDescriptors#BYTES} each; empty for random descriptors. */
  private final byte[] pool;

  private final int flippedBits;
  private final String description;

  private KeypointSource(Random random, byte[] pool, int flippedBits, String description) {
    this.random = random;
    this.flips = new Random(random.nextLong());
    this.pool = pool;
    this.flippedBits = flippedBits;
    this.description = description;
  }

  static KeypointSource random(long seed) {
    return new KeypointSource(new Random(seed), new byte[0], 0, "random descriptors");
  }

  /**
   * Descriptors sampled from ORB ({@code maxKeypoints} per photo, the extractor's default settings) on the first
   * {@code images} photos of {@code folder} in name order.
   *
   * @throws IllegalArgumentException when the folder has no photo ORB finds keypoints in
   */
  static KeypointSource sampledFrom(
      Path folder, int images, int maxKeypoints, int flippedBits, long seed) {
    if (flippedBits < 0 || flippedBits > BinaryDescriptors.BITS) {
      throw new IllegalArgumentException(
          "flipped bits must be 0-" + BinaryDescriptors.BITS + ", got " + flippedBits);
    }
    OrbLocalFeatures orb = new OrbLocalFeatures(ExtractorConfig.defaults().local());
    List<Path> photos = photosIn(folder, images);
    java.io.ByteArrayOutputStream pool = new java.io.ByteArrayOutputStream();
    int read = 0;
    for (Path photo : photos) {
      BufferedImage decoded = read(photo);
      if (decoded != null) {
        LocalFeatures features = orb.describe(BgrImage.of(decoded), maxKeypoints);
        pool.writeBytes(features.descriptors());
      }
      read++;
      if (read % 100 == 0) {
        System.err.printf("bench-index: ORB on %,d of %,d photos%n", read, photos.size());
      }
    }
    if (pool.size() == 0) {
      throw new IllegalArgumentException("no ORB keypoints in the photos of " + folder);
    }
    byte[] descriptors = pool.toByteArray();
    return new KeypointSource(
        new Random(seed),
        descriptors,
        flippedBits,
        String.format(
            "%,d real ORB descriptors of %,d photos in %s, %d bits flipped per sample",
            descriptors.length / BinaryDescriptors.BYTES, photos.size(), folder, flippedBits));
  }

  /** A synthetic image's {@code count} keypoints. */
  StoredKeypoints next(int count) {
    float[] xs = new float[count];
    float[] ys = new float[count];
    for (int i = 0; i < count; i++) {
      xs[i] = random.nextFloat() * WIDTH;
      ys[i] = random.nextFloat() * HEIGHT;
    }
    byte[] descriptors = new byte[count * BinaryDescriptors.BYTES];
    if (pool.length == 0) {
      random.nextBytes(descriptors);
    } else {
      int poolSize = pool.length / BinaryDescriptors.BYTES;
      for (int i = 0; i < count; i++) {
        System.arraycopy(
            pool,
            random.nextInt(poolSize) * BinaryDescriptors.BYTES,
            descriptors,
            i * BinaryDescriptors.BYTES,
            BinaryDescriptors.BYTES);
        flip(descriptors, i, flippedBits);
      }
    }
    return new StoredKeypoints(xs, ys, descriptors, BinaryDescriptors.BYTES);
  }

  /** Descriptor {@code index} of {@code descriptors} with {@code bits} distinct random bits flipped, in place. */
  void flip(byte[] descriptors, int index, int bits) {
    int offset = index * BinaryDescriptors.BYTES;
    boolean[] flipped = new boolean[BinaryDescriptors.BITS];
    for (int done = 0; done < bits; ) {
      int bit = flips.nextInt(BinaryDescriptors.BITS);
      if (!flipped[bit]) {
        flipped[bit] = true;
        descriptors[offset + bit / Byte.SIZE] ^= (byte) (1 << (bit % Byte.SIZE));
        done++;
      }
    }
  }

  String description() {
    return description;
  }

  private static List<Path> photosIn(Path folder, int limit) {
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException("not a folder of photos: " + folder);
    }
    try (Stream<Path> files = Files.list(folder)) {
      return files
          .filter(Files::isRegularFile)
          .filter(path -> path.getFileName().toString().matches("(?i).*\\.(jpe?g|png|webp|bmp)$"))
          .sorted()
          .limit(limit)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The decoded photo, or null (with a line on stderr) when ImageIO cannot read it. */
  private static BufferedImage read(Path photo) {
    try {
      BufferedImage image = ImageIO.read(photo.toFile());
      if (image == null) {
        System.err.println("bench-index: skipped " + photo + ": no reader for its format");
      }
      return image;
    } catch (IOException | RuntimeException e) {
      System.err.println("bench-index: skipped " + photo + ": " + e.getMessage());
      return null;
    }
  }
}
