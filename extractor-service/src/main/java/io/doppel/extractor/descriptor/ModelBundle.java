package io.doppel.extractor.descriptor;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A manifest with the bytes it names, read from the filesystem or the classpath. The whitening,
 * when given, is resolved to its inline form so the model does not care where it came from.
 */
public record ModelBundle(
    String location, ModelManifest manifest, byte[] model, Whitening whitening) {

  public static final String CLASSPATH_PREFIX = "classpath:";

  /** {@code y = matrix (x - mean)}, matrix row-major with {@code outputDimension} rows. */
  public record Whitening(int inputDimension, int outputDimension, float[] mean, float[] matrix) {}

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false);

  /** Loads {@code manifest.json} from a path or {@code classpath:resource/path}, and its model file. */
  public static ModelBundle load(String manifestLocation) {
    ModelManifest manifest;
    try {
      manifest = JSON.readValue(read(manifestLocation, null), ModelManifest.class);
    } catch (IOException e) {
      throw new ModelLoadException(
          "model manifest " + manifestLocation + " cannot be read: " + e.getMessage(), e);
    }
    var problems = manifest.problems();
    if (!problems.isEmpty()) {
      throw new ModelLoadException(
          "model manifest " + manifestLocation + " is invalid: " + String.join("; ", problems));
    }
    byte[] model = read(manifestLocation, manifest.file());
    Whitening whitening = null;
    if (manifest.whitening() != null) {
      whitening = manifest.whitening().file() != null
          ? readWhitening(manifestLocation, manifest.whitening().file())
          : inlineWhitening(manifestLocation, manifest.whitening());
    }
    return new ModelBundle(manifestLocation, manifest, model, whitening);
  }

  /** The dimension of the vectors the model finally produces (after whitening). */
  public int dimension() {
    return whitening == null ? manifest.output().dimension() : whitening.outputDimension();
  }

  private static Whitening inlineWhitening(String location, ModelManifest.Whitening spec) {
    int in = spec.mean().length;
    int out = spec.matrix().length;
    float[] mean = new float[in];
    for (int i = 0; i < in; i++) {
      mean[i] = (float) spec.mean()[i];
    }
    float[] matrix = new float[out * in];
    for (int row = 0; row < out; row++) {
      if (spec.matrix()[row].length != in) {
        throw new ModelLoadException(location + ": whitening.matrix row " + row + " has "
            + spec.matrix()[row].length + " values, mean has " + in);
      }
      for (int col = 0; col < in; col++) {
        matrix[row * in + col] = (float) spec.matrix()[row][col];
      }
    }
    return new Whitening(in, out, mean, matrix);
  }

  /** Binary whitening: int32 rows, int32 cols, float32 mean[cols], float32 matrix[rows*cols]; little-endian. */
  private static Whitening readWhitening(String location, String file) {
    ByteBuffer buffer = ByteBuffer.wrap(read(location, file)).order(ByteOrder.LITTLE_ENDIAN);
    try {
      int rows = buffer.getInt();
      int cols = buffer.getInt();
      if (rows <= 0
          || cols <= 0
          || buffer.remaining() != (long) (cols + (long) rows * cols) * Float.BYTES) {
        throw new ModelLoadException(
            location + ": whitening file " + file + " has a bad size for " + rows + "x" + cols);
      }
      float[] mean = new float[cols];
      buffer.asFloatBuffer().get(mean);
      buffer.position(buffer.position() + cols * Float.BYTES);
      float[] matrix = new float[rows * cols];
      buffer.asFloatBuffer().get(matrix);
      return new Whitening(cols, rows, mean, matrix);
    } catch (java.nio.BufferUnderflowException e) {
      throw new ModelLoadException(location + ": whitening file " + file + " is truncated", e);
    }
  }

  /** The manifest itself ({@code sibling == null}) or a file next to it. */
  private static byte[] read(String manifestLocation, String sibling) {
    if (manifestLocation.startsWith(CLASSPATH_PREFIX)) {
      String resource = manifestLocation.substring(CLASSPATH_PREFIX.length());
      if (sibling != null) {
        int slash = resource.lastIndexOf('/');
        resource = (slash < 0 ? "" : resource.substring(0, slash + 1)) + sibling;
      }
      try (InputStream in =
          Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
        if (in == null) {
          throw new ModelLoadException("model file classpath:" + resource + " not found"
              + (sibling == null
                  ? " (is the built-in model installed? set model.manifest to a path)"
                  : " (named by the manifest's file field)"));
        }
        return in.readAllBytes();
      } catch (IOException e) {
        throw new ModelLoadException(
            "cannot read classpath:" + resource + ": " + e.getMessage(), e);
      }
    }
    Path path = Path.of(manifestLocation);
    if (sibling != null) {
      path = path.toAbsolutePath().resolveSibling(sibling);
    }
    try {
      return Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new ModelLoadException(
          "model file " + path + " not found"
              + (sibling == null ? "" : " (named by the manifest's file field)"),
          e);
    } catch (IOException e) {
      throw new ModelLoadException("cannot read " + path + ": " + e.getMessage(), e);
    }
  }
}
