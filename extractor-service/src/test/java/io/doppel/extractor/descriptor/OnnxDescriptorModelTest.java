package io.doppel.extractor.descriptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.doppel.extractor.Fixtures;
import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.image.decode.BgrImage;
import io.doppel.testing.ImageFiles;
import io.doppel.testing.SyntheticImages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxDescriptorModelTest {

  private static final ModelBundle FIXTURE = ModelBundle.load(Fixtures.FIXTURE_MANIFEST);
  private final BgrImage image = BgrImage.of(SyntheticImages.texture(21, 320, 240));

  @Test
  void describesBatchesDeterministicallyWithUnitVectors() throws Exception {
    ExtractorConfig.Model config = Fixtures.config("model.batch-size", "2").model();
    try (OnnxDescriptorModel model = new OnnxDescriptorModel(FIXTURE, config)) {
      BgrImage other = BgrImage.of(SyntheticImages.texture(22, 320, 240));
      List<float[]> first = model.describe(List.of(image, other, image));
      List<float[]> second = model.describe(List.of(image, other, image));

      assertThat(model.device()).isEqualTo("cpu");
      assertThat(model.dimension()).isEqualTo(64);
      assertThat(first).hasSize(3);
      assertThat(second.get(0)).isEqualTo(first.get(0));
      assertThat(second.get(1)).isEqualTo(first.get(1));
      assertThat(first.get(0)).isNotEqualTo(first.get(1));
      // Same image in another batch position (and another chunk) gives the same vector.
      assertThat(first.get(2)).containsExactly(first.get(0), within(1e-6f));
      double norm = 0;
      for (float v : first.get(0)) {
        norm += v * v;
      }
      assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-5));
    }
  }

  @Test
  void cudaRequestedOnAMachineWithoutCudaFallsBackToCpu() throws Exception {
    ExtractorConfig.Model config = Fixtures.config("model.device", "cuda").model();
    try (OnnxDescriptorModel model = new OnnxDescriptorModel(FIXTURE, config)) {
      assertThat(model.device()).isEqualTo("cpu");
      assertThat(model.describe(List.of(image)).getFirst()).hasSize(64);
    }
  }

  @Test
  void resizeModesAllProduceTheModelsInputSize() {
    for (ModelManifest.Resize resize : ModelManifest.Resize.values()) {
      ModelManifest.Input input = new ModelManifest.Input(
          "images",
          ModelManifest.Layout.NCHW,
          96,
          64,
          resize,
          ModelManifest.ChannelOrder.RGB,
          255.0,
          new double[] {0.5, 0.5, 0.5},
          new double[] {0.25, 0.25, 0.25});
      float[] tensor = new Preprocessor(input)
          .toTensor(BgrImage.of(SyntheticImages.solid(50, 200, java.awt.Color.WHITE)));
      assertThat(tensor).hasSize(3 * 96 * 64);
      float white = (float) ((1.0 - 0.5) / 0.25);
      if (resize == ModelManifest.Resize.LETTERBOX) {
        assertThat(tensor[0]).as("padding is the mean colour").isEqualTo(0f);
        assertThat(tensor[32 * 96 + 48]).as("centre is the image").isCloseTo(white, within(1e-5f));
      } else {
        assertThat(tensor[0]).isCloseTo(white, within(1e-5f));
      }
    }
  }

  @Test
  void whiteningIsAppliedBeforeNormalisation(@TempDir Path dir) throws Exception {
    copyFixture(dir);
    // Keep two coordinates of the 64: y0 = x3 - mean, y1 = -x5.
    ByteBuffer whitening =
        ByteBuffer.allocate(8 + 4 * (64 + 2 * 64)).order(ByteOrder.LITTLE_ENDIAN);
    whitening.putInt(2).putInt(64);
    for (int i = 0; i < 64; i++) {
      whitening.putFloat(0f);
    }
    for (int row = 0; row < 2; row++) {
      for (int col = 0; col < 64; col++) {
        whitening.putFloat(row == 0 && col == 3 ? 1f : row == 1 && col == 5 ? -1f : 0f);
      }
    }
    Files.write(dir.resolve("whitening.bin"), whitening.array());
    rewriteManifest(dir, "\"whitening\": null", "\"whitening\": {\"file\": \"whitening.bin\"}");

    try (OnnxDescriptorModel plain =
            new OnnxDescriptorModel(FIXTURE, Fixtures.config().model());
        OnnxDescriptorModel whitened = new OnnxDescriptorModel(
            ModelBundle.load(dir.resolve("manifest.json").toString()),
            Fixtures.config().model())) {
      float[] raw = plain.describe(List.of(image)).getFirst();
      float[] reduced = whitened.describe(List.of(image)).getFirst();

      assertThat(whitened.dimension()).isEqualTo(2);
      double length = Math.hypot(raw[3], raw[5]);
      assertThat(reduced)
          .containsExactly(
              new float[] {(float) (raw[3] / length), (float) (-raw[5] / length)}, within(1e-5f));
    }
  }

  @Test
  void manifestNamingAMissingInputIsRefusedWithTheModelsNames(@TempDir Path dir) throws Exception {
    copyFixture(dir);
    rewriteManifest(dir, "\"name\": \"images\"", "\"name\": \"pixels\"");
    assertThatThrownBy(() -> new OnnxDescriptorModel(
            ModelBundle.load(dir.resolve("manifest.json").toString()),
            Fixtures.config().model()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("'pixels'")
        .hasMessageContaining("images");
  }

  @Test
  void manifestWithTheWrongDimensionIsRefused(@TempDir Path dir) throws Exception {
    copyFixture(dir);
    rewriteManifest(dir, "\"dimension\": 64", "\"dimension\": 128");
    assertThatThrownBy(() -> new OnnxDescriptorModel(
            ModelBundle.load(dir.resolve("manifest.json").toString()),
            Fixtures.config().model()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("64")
        .hasMessageContaining("128");
  }

  @Test
  void manifestNamingAMissingModelFileIsRefused(@TempDir Path dir) throws Exception {
    copyFixture(dir);
    Files.delete(dir.resolve("model.onnx"));
    assertThatThrownBy(() -> ModelBundle.load(dir.resolve("manifest.json").toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("model.onnx")
        .hasMessageContaining("not found");
  }

  @Test
  void incompleteManifestListsEveryProblem(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("manifest.json"), "{\"id\": \"x\", \"input\": {\"name\": \"images\"}}");
    assertThatThrownBy(() -> ModelBundle.load(dir.resolve("manifest.json").toString()))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("version is missing")
        .hasMessageContaining("file")
        .hasMessageContaining("output is missing")
        .hasMessageContaining("input.width");
  }

  @Test
  void missingBuiltInModelSaysHowToPointElsewhere() {
    assertThatThrownBy(() -> ModelBundle.load("classpath:models/does-not-exist/manifest.json"))
        .isInstanceOf(ModelLoadException.class)
        .hasMessageContaining("model.manifest");
  }

  private static void copyFixture(Path dir) throws IOException {
    Files.write(dir.resolve("manifest.json"), ImageFiles.resource("/models/fixture/manifest.json"));
    Files.write(dir.resolve("model.onnx"), ImageFiles.resource("/models/fixture/model.onnx"));
  }

  private static void rewriteManifest(Path dir, String from, String to) throws IOException {
    Path manifest = dir.resolve("manifest.json");
    String text = Files.readString(manifest);
    assertThat(text).contains(from);
    Files.writeString(manifest, text.replace(from, to));
  }
}
