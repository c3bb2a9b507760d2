package io.doppel.extractor.descriptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.doppel.extractor.Fixtures;
import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.image.decode.BgrImage;
import io.doppel.testing.SyntheticImages;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped model (trained elsewhere in the project) loads through the default manifest and passes validation. */
class BuiltInModelTest {

  @Test
  void builtInModelLoadsFromTheClasspathAndGivesUnitVectors() throws Exception {
    String resource =
        ExtractorConfig.BUILT_IN_MANIFEST.substring(ModelBundle.CLASSPATH_PREFIX.length());
    assumeTrue(
        getClass().getClassLoader().getResource(resource) != null,
        "built-in model not installed at " + resource + "; skipping");

    ModelBundle bundle = ModelBundle.load(ExtractorConfig.defaults().model().manifest());
    try (OnnxDescriptorModel model =
        new OnnxDescriptorModel(bundle, Fixtures.config().model())) {
      BgrImage image = BgrImage.of(SyntheticImages.texture(31, 320, 240));
      List<float[]> vectors = model.describe(List.of(image, image));

      assertThat(vectors.getFirst()).hasSize(bundle.dimension());
      assertThat(vectors.get(1)).containsExactly(vectors.getFirst(), within(1e-6f));
      double norm = 0;
      for (float v : vectors.getFirst()) {
        norm += v * v;
      }
      assertThat(Math.sqrt(norm)).isCloseTo(1.0, within(1e-4));
    }
  }
}
