package io.doppel.standalone.demo;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * The references and copies the demo starts with: pairs from the DEV set when it is there (one per
 * transform family that shows a region well), else generated images and edited copies of them.
 */
public final class DemoSamples {

  /** A protected work and a copy of it. */
  public record Sample(
      String referenceId, Path reference, String queryId, Path query, String transform) {}

  /** Families whose matched region is easy to see in the console, in the order the demo shows them. */
  static final List<String> SHOWCASE_FAMILIES = List.of(
      "pad",
      "hflip",
      "text_overlay",
      "tall_strip",
      "rotate",
      "crop_center",
      "emoji_overlay",
      "crop_random");

  private static final String[] IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp"};
  private static final int GENERATED_SIDE = 480;
  private static final int GENERATED_SHAPES = 90;
  private static final double GENERATED_CROP = 0.7;
  private static final long SEED = 20261201L;

  private DemoSamples() {}

  /** Up to {@code count} DEV pairs under {@code dev} (refs/, queries/, ground_truth.csv, transforms.csv), if present. */
  public static Optional<List<Sample>> fromDev(Path devFolder, int count) {
    // file:// sources must name the file itself: fetching refuses paths that go through "..".
    Path dev = devFolder.toAbsolutePath().normalize();
    Path truth = dev.resolve("ground_truth.csv");
    Path transforms = dev.resolve("transforms.csv");
    if (!Files.isRegularFile(truth) || !Files.isRegularFile(transforms)) {
      return Optional.empty();
    }
    Map<String, String> referenceOf = csvPairs(truth);
    Map<String, String> familyOf = csvPairs(transforms);
    Map<String, String> firstQueryOfFamily = new LinkedHashMap<>();
    referenceOf.keySet().stream()
        .sorted()
        .forEach(query -> firstQueryOfFamily.putIfAbsent(familyOf.getOrDefault(query, ""), query));
    List<Sample> samples = new ArrayList<>();
    for (String family : SHOWCASE_FAMILIES) {
      String query = firstQueryOfFamily.get(family);
      if (query == null || samples.size() == count) {
        continue;
      }
      String reference = referenceOf.get(query);
      Optional<Path> queryFile = imageFile(dev.resolve("queries"), query);
      Optional<Path> referenceFile = imageFile(dev.resolve("refs"), reference);
      if (queryFile.isPresent() && referenceFile.isPresent()) {
        samples.add(new Sample(reference, referenceFile.get(), query, queryFile.get(), family));
      }
    }
    return samples.isEmpty() ? Optional.empty() : Optional.of(List.copyOf(samples));
  }

  /** {@code count} generated references under {@code dir}, each with a cropped, mirrored copy. */
  public static List<Sample> generate(Path dir, int count) {
    Random random = new Random(SEED);
    List<Sample> samples = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      for (int i = 0; i < count; i++) {
        BufferedImage reference = painting(random);
        String referenceId = "generated-ref-" + i;
        String queryId = "generated-copy-" + i;
        Path referenceFile = dir.resolve(referenceId + ".png");
        Path queryFile = dir.resolve(queryId + ".png");
        ImageIO.write(reference, "png", referenceFile.toFile());
        ImageIO.write(croppedMirror(reference), "png", queryFile.toFile());
        samples.add(new Sample(referenceId, referenceFile, queryId, queryFile, "crop+mirror"));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write generated demo images to " + dir, e);
    }
    return List.copyOf(samples);
  }

  /** Random overlapping shapes and strokes: many corners, so keypoints and a clear region. */
  private static BufferedImage painting(Random random) {
    BufferedImage image =
        new BufferedImage(GENERATED_SIDE, GENERATED_SIDE, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(new Color(random.nextInt(0xFFFFFF)));
    g.fillRect(0, 0, GENERATED_SIDE, GENERATED_SIDE);
    for (int s = 0; s < GENERATED_SHAPES; s++) {
      g.setColor(new Color(random.nextInt(0xFFFFFF)));
      int x = random.nextInt(GENERATED_SIDE);
      int y = random.nextInt(GENERATED_SIDE);
      int w = 10 + random.nextInt(GENERATED_SIDE / 4);
      int h = 10 + random.nextInt(GENERATED_SIDE / 4);
      switch (random.nextInt(3)) {
        case 0 -> g.fillRect(x, y, w, h);
        case 1 -> g.fillOval(x, y, w, h);
        default ->
          g.fillPolygon(
              new int[] {x, x + w, x + random.nextInt(w + 1)},
              new int[] {y, y + random.nextInt(h + 1), y + h},
              3);
      }
    }
    g.dispose();
    return image;
  }

  private static BufferedImage croppedMirror(BufferedImage reference) {
    int side = (int) (GENERATED_SIDE * GENERATED_CROP);
    int offset = (GENERATED_SIDE - side) / 2;
    BufferedImage copy = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = copy.createGraphics();
    AffineTransform mirror = new AffineTransform(-1, 0, 0, 1, side, 0);
    g.drawImage(reference.getSubimage(offset, offset, side, side), mirror, null);
    g.dispose();
    return copy;
  }

  private static Optional<Path> imageFile(Path dir, String id) {
    for (String extension : IMAGE_EXTENSIONS) {
      Path file = dir.resolve(id + extension);
      if (Files.isRegularFile(file)) {
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }

  /** First two columns of a CSV with a header row. */
  private static Map<String, String> csvPairs(Path csv) {
    Map<String, String> pairs = new HashMap<>();
    try (Stream<String> lines = Files.lines(csv)) {
      lines.skip(1).forEach(line -> {
        String[] cells = line.split(",", 3);
        if (cells.length >= 2) {
          pairs.put(cells[0].strip(), cells[1].strip());
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + csv, e);
    }
    return pairs;
  }
}
