package io.doppel.extractor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.doppel.extractor.Fixtures;
import io.doppel.extractor.TestUploads;
import io.doppel.schemas.avro.Box;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.FeatureView;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Keypoint;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.avro.ViewKind;
import io.doppel.testing.ImageFiles;
import io.doppel.testing.SyntheticImages;
import io.doppel.topology.extract.Extraction;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PipelineFeatureExtractorTest {

  private static final int MAX_KEYPOINTS = 200;
  private static final int TILE_KEYPOINTS = 80;
  private static PipelineFeatureExtractor extractor;

  @BeforeAll
  static void start() {
    extractor = new PipelineFeatureExtractor(Fixtures.config(
        "local.max-keypoints",
        String.valueOf(MAX_KEYPOINTS),
        "local.tile-max-keypoints",
        String.valueOf(TILE_KEYPOINTS)));
  }

  @AfterAll
  static void stop() {
    extractor.close();
  }

  @Test
  void extractsFullAndMirrorViewsWithBoundedSpreadKeypoints() {
    byte[] jpeg = ImageFiles.encode(SyntheticImages.texture(11, 640, 480), "jpeg");

    ImageFeatures features =
        extracted(extractor.extract(List.of(TestUploads.inline("img-1", jpeg))).getFirst());

    assertThat(features.getImageId()).isEqualTo("img-1");
    assertThat(features.getFormat()).isEqualTo("jpeg");
    // The digest of the very bytes analysed: what the review console checks what it shows against.
    assertThat(features.getContentSha256())
        .isEqualTo(io.doppel.image.ContentDigest.sha256(jpeg))
        .hasSize(io.doppel.image.ContentDigest.HEX_CHARS);
    assertThat(features.getWidth()).isEqualTo(640);
    assertThat(features.getHeight()).isEqualTo(480);
    assertThat(features.getModel().getId()).isEqualTo("doppel-fixture");
    assertThat(features.getModel().getDimension()).isEqualTo(64);
    assertThat(features.getLocalExtractor()).isEqualTo("orb-256");
    assertThat(features.getStageMicros())
        .containsOnlyKeys("fetch", "decode", "descriptor", "local");
    // the scene's drawn rectangles may also be proposed as REGIONs, which come after these
    assertThat(features.getViews())
        .extracting(FeatureView::getKind)
        .startsWith(ViewKind.FULL, ViewKind.MIRROR, ViewKind.CROP);
    FeatureView centre = features.getViews().get(2);
    assertThat(centre.getRegion()).isEqualTo(new Box(80, 60, 480, 360));
    assertThat(centre.getKeypoints()).isEmpty();
    assertThat(norm(centre.getGlobal())).isCloseTo(1.0, within(1e-4));
    for (FeatureView view : features.getViews().subList(0, 2)) {
      assertThat(view.getGlobal()).hasSize(64);
      assertThat(norm(view.getGlobal())).isCloseTo(1.0, within(1e-4));
      assertThat(view.getKeypoints()).hasSizeBetween(MAX_KEYPOINTS / 2, MAX_KEYPOINTS);
      assertThat(view.getDescriptors().remaining())
          .isEqualTo(view.getKeypoints().size() * 32);
      assertThat(view.getKeypoints()).allSatisfy(k -> {
        assertThat(k.getX()).isBetween(0f, 640f);
        assertThat(k.getY()).isBetween(0f, 480f);
      });
      assertThat(cellsCovered(view.getKeypoints(), 640, 480, 4))
          .as("4x4 grid cells with keypoints")
          .isGreaterThanOrEqualTo(14);
    }
  }

  @Test
  void keypointsAreNotAllInOneTexturedCorner() {
    // Flat grey image with a busy top-left corner (inside one 200x150 grid cell) and faint texture
    // elsewhere.
    BufferedImage image = SyntheticImages.solid(800, 600, new java.awt.Color(128, 128, 128));
    var g = image.createGraphics();
    g.drawImage(SyntheticImages.texture(5, 160, 120), 0, 0, null);
    Random random = new Random(9);
    for (int i = 0; i < 400; i++) {
      g.setColor(new java.awt.Color(
          90 + random.nextInt(80), 90 + random.nextInt(80), 90 + random.nextInt(80)));
      g.fillRect(
          random.nextInt(800), random.nextInt(600), 4 + random.nextInt(8), 4 + random.nextInt(8));
    }
    g.dispose();

    ImageFeatures features = extracted(extractor
        .extract(List.of(TestUploads.inline("corner", ImageFiles.encode(image, "png"))))
        .getFirst());

    List<Keypoint> keypoints = features.getViews().getFirst().getKeypoints();
    long inCorner =
        keypoints.stream().filter(k -> k.getX() < 200 && k.getY() < 150).count();
    assertThat(inCorner).as("keypoints in the busy corner").isLessThan(keypoints.size() / 2);
  }

  @Test
  void sameImageGivesIdenticalFeatures() {
    byte[] jpeg = ImageFiles.encode(SyntheticImages.texture(12, 500, 375), "jpeg");

    ImageFeatures first =
        extracted(extractor.extract(List.of(TestUploads.inline("a", jpeg))).getFirst());
    ImageFeatures second =
        extracted(extractor.extract(List.of(TestUploads.inline("a", jpeg))).getFirst());

    for (int v = 0; v < first.getViews().size(); v++) {
      FeatureView a = first.getViews().get(v);
      FeatureView b = second.getViews().get(v);
      assertThat(b.getGlobal()).isEqualTo(a.getGlobal());
      assertThat(b.getKeypoints()).isEqualTo(a.getKeypoints());
      assertThat(b.getDescriptors()).isEqualTo(a.getDescriptors());
    }
  }

  @Test
  void mirrorViewEqualsThePreFlippedImageAndFindsItsKeypointsWithoutDetectingAgain() {
    BufferedImage scene = SyntheticImages.texture(13, 400, 300);
    BufferedImage flipped = flipHorizontally(scene);

    List<Extraction> results = extractor.extract(List.of(
        TestUploads.inline("orig", ImageFiles.encode(scene, "png")),
        TestUploads.inline("flip", ImageFiles.encode(flipped, "png"))));
    ImageFeatures original = extracted(results.get(0));
    ImageFeatures preFlipped = extracted(results.get(1));

    FeatureView full = original.getViews().get(0);
    FeatureView mirror = original.getViews().get(1);
    FeatureView flippedFull = preFlipped.getViews().get(0);
    assertThat(floats(mirror.getGlobal()))
        .containsExactly(floats(flippedFull.getGlobal()), within(1e-5f));
    assertThat(floats(mirror.getGlobal())).isNotEqualTo(floats(full.getGlobal()));
    assertThat(mirror.getKeypoints()).isNotEqualTo(full.getKeypoints());
    // reflected from the full view's (OrbLocalFeatures.describeWithMirror): where a detection on
    // the flipped image finds them
    assertThat(mirror.getKeypoints()).hasSizeGreaterThan(full.getKeypoints().size() * 9 / 10);
    long detectedThereToo = mirror.getKeypoints().stream()
        .filter(reflected -> flippedFull.getKeypoints().stream()
            .anyMatch(detected ->
                Math.hypot(reflected.getX() - detected.getX(), reflected.getY() - detected.getY())
                    <= 1.0))
        .count();
    assertThat((double) detectedThereToo / mirror.getKeypoints().size())
        .isGreaterThanOrEqualTo(0.9);
  }

  @Test
  void tallImagesGetOverlappingTilesCoveringTheStrip() {
    byte[] strip = ImageFiles.encode(SyntheticImages.texture(14, 300, 1500), "png");

    ImageFeatures features =
        extracted(extractor.extract(List.of(TestUploads.inline("strip", strip))).getFirst());

    List<FeatureView> tiles =
        features.getViews().stream().filter(v -> v.getKind() == ViewKind.TILE).toList();
    assertThat(tiles).hasSizeGreaterThanOrEqualTo(9);
    assertThat(tiles.getFirst().getRegion().getY()).isZero();
    assertThat(tiles.getLast().getRegion().getY() + tiles.getLast().getRegion().getHeight())
        .isEqualTo(1500);
    for (int i = 0; i < tiles.size(); i++) {
      var region = tiles.get(i).getRegion();
      assertThat(region.getWidth()).isEqualTo(300);
      assertThat(region.getHeight()).isEqualTo(300);
      if (i > 0) {
        assertThat(region.getY() - tiles.get(i - 1).getRegion().getY())
            .as("stride at most half a side")
            .isBetween(1, 150);
      }
      assertThat(tiles.get(i).getGlobal()).hasSize(64);
      assertThat(tiles.get(i).getKeypoints())
          .hasSizeBetween(1, TILE_KEYPOINTS)
          .allSatisfy(k -> assertThat(k.getY()).isBetween(0f, 300f));
    }
  }

  @Test
  void anImageTooThinForOrbHasFeaturesWithoutKeypoints() {
    byte[] line = ImageFiles.encode(SyntheticImages.texture(5, 160, 1), "png");

    ImageFeatures features =
        extracted(extractor.extract(List.of(TestUploads.inline("line", line))).getFirst());

    assertThat(features.getHeight()).isEqualTo(1);
    assertThat(features.getViews())
        .allSatisfy(view -> assertThat(view.getKeypoints()).isEmpty());
  }

  @Test
  void squareImagesGetNoTiles() {
    ImageFeatures features = extracted(extractor
        .extract(List.of(TestUploads.inline(
            "sq", ImageFiles.encode(SyntheticImages.texture(15, 300, 300), "png"))))
        .getFirst());
    assertThat(features.getViews()).noneMatch(v -> v.getKind() == ViewKind.TILE);
  }

  @Test
  void eachImageOfABatchGetsTheFeaturesItGetsAlone() {
    // the views' local features of a whole batch run as one pool of tasks: none may land on another
    // image or view
    List<byte[]> images = List.of(
        ImageFiles.encode(SyntheticImages.texture(21, 300, 1500), "png"),
        ImageFiles.encode(SyntheticImages.texture(22, 400, 300), "jpeg"),
        new byte[0],
        ImageFiles.encode(SyntheticImages.texture(23, 1400, 280), "png"),
        ImageFiles.encode(SyntheticImages.texture(24, 250, 250), "jpeg"));
    List<UploadEvent> batch = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      batch.add(TestUploads.inline("img" + i, images.get(i)));
    }

    List<Extraction> together = extractor.extract(batch);

    assertThat(reason(together.get(2))).isEqualTo(DeadLetterReason.CORRUPT);
    for (int i : List.of(0, 1, 3, 4)) {
      ImageFeatures inBatch = extracted(together.get(i));
      ImageFeatures alone = extracted(extractor.extract(List.of(batch.get(i))).getFirst());
      assertThat(inBatch.getViews()).as("views of image %d", i).hasSameSizeAs(alone.getViews());
      for (int v = 0; v < alone.getViews().size(); v++) {
        FeatureView a = alone.getViews().get(v);
        FeatureView b = inBatch.getViews().get(v);
        assertThat(b.getKind()).isEqualTo(a.getKind());
        assertThat(b.getRegion()).isEqualTo(a.getRegion());
        assertThat(b.getKeypoints())
            .as("keypoints of image %d view %d", i, v)
            .isEqualTo(a.getKeypoints());
        assertThat(b.getDescriptors()).isEqualTo(a.getDescriptors());
      }
    }
  }

  @Test
  void badImagesFailAloneWithTheirReasonInOrder() {
    byte[] good = ImageFiles.encode(SyntheticImages.texture(16, 200, 150), "jpeg");
    byte[] png = ImageFiles.encode(SyntheticImages.texture(17, 200, 150), "png");
    byte[] noise = new byte[2048];
    new Random(1).nextBytes(noise);
    noise[0] = 1;

    List<Extraction> results = extractor.extract(List.of(
        TestUploads.inline("good", good),
        TestUploads.inline("empty", new byte[0]),
        TestUploads.inline("noise", noise),
        TestUploads.inline("truncated", Arrays.copyOf(good, good.length / 3)),
        TestUploads.inline("bomb", ImageFiles.pngWithHeaderSize(png, 60_000, 60_000)),
        TestUploads.inline("png-claimed-as-jpeg", png),
        TestUploads.fromSource("metadata", "http://169.254.169.254/latest/meta-data/"),
        TestUploads.fromSource("outside-roots", "file:///etc/passwd"),
        TestUploads.fromSource("s3", "s3://bucket/key.jpg")));

    assertThat(results).hasSize(9);
    assertThat(results.get(0)).isInstanceOf(Extraction.Extracted.class);
    assertThat(reason(results.get(1))).isEqualTo(DeadLetterReason.CORRUPT);
    assertThat(reason(results.get(2))).isEqualTo(DeadLetterReason.UNSUPPORTED_FORMAT);
    assertThat(reason(results.get(3))).isEqualTo(DeadLetterReason.CORRUPT);
    assertThat(reason(results.get(4))).isEqualTo(DeadLetterReason.TOO_MANY_PIXELS);
    assertThat(extracted(results.get(5)).getFormat()).isEqualTo("png");
    assertThat(reason(results.get(6))).isEqualTo(DeadLetterReason.BLOCKED_ADDRESS);
    assertThat(reason(results.get(7))).isEqualTo(DeadLetterReason.BLOCKED_ADDRESS);
    assertThat(reason(results.get(8))).isEqualTo(DeadLetterReason.FETCH_FAILED);
    assertThat(((Extraction.Failed) results.get(8)).detail()).contains("s3://");
  }

  @Test
  void oversizedInlineImagesAreTooLarge() {
    try (PipelineFeatureExtractor small =
        new PipelineFeatureExtractor(Fixtures.config("fetch.max-bytes", "1000"))) {
      byte[] jpeg = ImageFiles.encode(SyntheticImages.texture(18, 400, 300), "jpeg");
      assertThat(reason(small.extract(List.of(TestUploads.inline("big", jpeg))).getFirst()))
          .isEqualTo(DeadLetterReason.TOO_LARGE);
    }
  }

  @Test
  void aFlipInvariantModelGivesTheMirrorTheFullViewsVectorButItsOwnKeypoints(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Files.write(
        dir.resolve("model.onnx"), ImageFiles.resource("/models/fixture/model.onnx"));
    java.nio.file.Files.writeString(
        dir.resolve("manifest.json"),
        new String(ImageFiles.resource("/models/fixture/manifest.json"))
            .replace("\"flipInvariant\": false", "\"flipInvariant\": true"));
    try (PipelineFeatureExtractor invariant = new PipelineFeatureExtractor(
        Fixtures.config("model.manifest", dir.resolve("manifest.json").toString()))) {
      ImageFeatures features = extracted(invariant
          .extract(List.of(TestUploads.inline(
              "inv", ImageFiles.encode(SyntheticImages.texture(19, 300, 200), "png"))))
          .getFirst());

      FeatureView full = features.getViews().get(0);
      FeatureView mirror = features.getViews().get(1);
      assertThat(mirror.getKind()).isEqualTo(ViewKind.MIRROR);
      assertThat(mirror.getGlobal()).isEqualTo(full.getGlobal());
      assertThat(mirror.getKeypoints()).isNotEqualTo(full.getKeypoints());
    }
  }

  static ImageFeatures extracted(Extraction extraction) {
    assertThat(extraction).isInstanceOf(Extraction.Extracted.class);
    return ((Extraction.Extracted) extraction).features();
  }

  private static DeadLetterReason reason(Extraction extraction) {
    assertThat(extraction).isInstanceOf(Extraction.Failed.class);
    return ((Extraction.Failed) extraction).reason();
  }

  private static double norm(List<Float> vector) {
    double sum = 0;
    for (float v : vector) {
      sum += v * v;
    }
    return Math.sqrt(sum);
  }

  private static float[] floats(List<Float> vector) {
    float[] out = new float[vector.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = vector.get(i);
    }
    return out;
  }

  private static int cellsCovered(List<Keypoint> keypoints, int width, int height, int cells) {
    Set<Integer> covered = new HashSet<>();
    for (Keypoint k : keypoints) {
      int cx = Math.min(cells - 1, (int) (k.getX() * cells / width));
      int cy = Math.min(cells - 1, (int) (k.getY() * cells / height));
      covered.add(cy * cells + cx);
    }
    return covered.size();
  }

  private static BufferedImage flipHorizontally(BufferedImage image) {
    AffineTransform flip = AffineTransform.getScaleInstance(-1, 1);
    flip.translate(-image.getWidth(), 0);
    BufferedImage out =
        new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
    new AffineTransformOp(flip, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(image, out);
    return out;
  }
}
