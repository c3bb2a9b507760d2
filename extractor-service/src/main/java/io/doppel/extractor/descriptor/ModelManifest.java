package io.doppel.extractor.descriptor;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON manifest that describes a descriptor model: how to feed it and how to read its output.
 * See extractor-service/README.md ("Model manifest") for every field.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelManifest(
    String id,
    String version,
    String file,
    String licence,
    Input input,
    Output output,
    boolean l2Normalize,
    Whitening whitening,
    Metric metric,
    boolean flipInvariant) {

  public enum Layout {
    NCHW,
    NHWC
  }

  public enum Resize {
    STRETCH,
    LETTERBOX,
    SHORT_SIDE_CENTER_CROP
  }

  public enum ChannelOrder {
    RGB,
    BGR
  }

  public enum Pooling {
    NONE,
    GEM,
    MEAN
  }

  public enum Metric {
    COSINE,
    INNER_PRODUCT,
    L2
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Input(
      String name,
      Layout layout,
      int width,
      int height,
      Resize resize,
      ChannelOrder channels,
      double scale,
      double[] mean,
      double[] std) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Output(String name, int dimension, Pooling pooling, Double gemP) {}

  /**
   * PCA-whitening applied to the pooled vector before L2 normalisation: {@code y = matrix (x - mean)}.
   * Either inline ({@code mean}, {@code matrix}) or a {@code file} next to the manifest in the
   * little-endian binary form described in the README.
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Whitening(String file, double[] mean, double[][] matrix) {}

  private static final int COLOUR_CHANNELS = 3;

  /** Every problem with the manifest's own fields, empty when it is self-consistent. */
  public List<String> problems() {
    List<String> problems = new ArrayList<>();
    require(problems, id != null && !id.isBlank(), "id is missing");
    require(problems, version != null && !version.isBlank(), "version is missing");
    require(
        problems,
        file != null && !file.isBlank(),
        "file (the .onnx file next to the manifest) is missing");
    require(problems, metric != null, "metric is missing (COSINE, INNER_PRODUCT or L2)");
    if (input == null) {
      problems.add("input is missing");
    } else {
      require(problems, input.name() != null && !input.name().isBlank(), "input.name is missing");
      require(problems, input.layout() != null, "input.layout is missing (NCHW or NHWC)");
      require(
          problems,
          input.width() > 0 && input.height() > 0,
          "input.width and input.height must be positive");
      require(
          problems,
          input.resize() != null,
          "input.resize is missing (STRETCH, LETTERBOX or SHORT_SIDE_CENTER_CROP)");
      require(problems, input.channels() != null, "input.channels is missing (RGB or BGR)");
      require(
          problems, input.scale() > 0, "input.scale must be positive (255.0 maps pixels to [0,1])");
      require(
          problems,
          input.mean() != null && input.mean().length == COLOUR_CHANNELS,
          "input.mean must have 3 values");
      require(
          problems,
          input.std() != null && input.std().length == COLOUR_CHANNELS,
          "input.std must have 3 values");
      if (input.std() != null) {
        for (double s : input.std()) {
          require(problems, s > 0, "input.std values must be positive");
        }
      }
    }
    if (output == null) {
      problems.add("output is missing");
    } else {
      require(
          problems, output.name() != null && !output.name().isBlank(), "output.name is missing");
      require(problems, output.dimension() > 0, "output.dimension must be positive");
      require(problems, output.pooling() != null, "output.pooling is missing (NONE, GEM or MEAN)");
      require(
          problems,
          output.pooling() != Pooling.GEM || output.gemP() != null && output.gemP() > 0,
          "output.gemP must be positive for GEM pooling");
    }
    if (whitening != null) {
      boolean inline = whitening.matrix() != null || whitening.mean() != null;
      require(
          problems,
          (whitening.file() != null) != inline,
          "whitening needs either file or mean+matrix, not both");
      if (inline) {
        require(
            problems,
            whitening.mean() != null && whitening.matrix() != null && whitening.matrix().length > 0,
            "inline whitening needs both mean and matrix");
      }
    }
    return problems;
  }

  private static void require(List<String> problems, boolean condition, String problem) {
    if (!condition) {
      problems.add(problem);
    }
  }
}
