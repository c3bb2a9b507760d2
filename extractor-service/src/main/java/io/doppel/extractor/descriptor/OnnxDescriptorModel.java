package io.doppel.extractor.descriptor;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.image.decode.BgrImage;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a manifest-described ONNX model on ONNX Runtime, on CUDA when configured and available,
 * otherwise on CPU, and turns its output into global descriptors (pooling, whitening, L2).
 */
public final class OnnxDescriptorModel implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(OnnxDescriptorModel.class);
  private static final float GEM_EPSILON = 1e-6f;
  private static final int NCHW_RANK = 4;
  public static final String CPU = "cpu";
  public static final String CUDA = "cuda";

  private final ModelBundle bundle;
  private final ModelManifest manifest;
  private final OrtEnvironment environment;
  private final OrtSession session;
  private final String device;
  private final int batchSize;
  private final Preprocessor preprocessor;

  public OnnxDescriptorModel(ModelBundle bundle, ExtractorConfig.Model config) {
    this.bundle = bundle;
    this.manifest = bundle.manifest();
    this.batchSize = config.batchSize();
    this.environment = OrtEnvironment.getEnvironment();
    this.preprocessor = new Preprocessor(manifest.input());
    String chosenDevice = CPU;
    OrtSession created;
    try {
      OrtSession.SessionOptions options = cpuOptions(config);
      if (config.device() == ExtractorConfig.Device.CUDA) {
        try {
          options.addCUDA(config.cudaDeviceId());
          chosenDevice = CUDA;
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
          LOG.warn(
              "CUDA execution provider unavailable on device {} ({}); running the model on CPU",
              config.cudaDeviceId(),
              e.getMessage());
          options.close();
          options = cpuOptions(config);
        }
      }
      try (OrtSession.SessionOptions used = options) {
        created = environment.createSession(bundle.model(), used);
      }
    } catch (OrtException e) {
      throw new ModelLoadException(
          "ONNX Runtime cannot load " + bundle.location() + ": " + e.getMessage(), e);
    }
    this.session = created;
    this.device = chosenDevice;
    try {
      validateAgainstModel();
    } catch (RuntimeException e) {
      closeQuietly();
      throw e;
    }
    LOG.info(
        "descriptor model {} v{} loaded from {} on {} (dimension {}, batch {})",
        manifest.id(),
        manifest.version(),
        bundle.location(),
        device,
        dimension(),
        batchSize);
  }

  private static OrtSession.SessionOptions cpuOptions(ExtractorConfig.Model config)
      throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(config.intraOpThreads());
    options.setInterOpNumThreads(config.interOpThreads());
    options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    // idle intra-op threads would spin for work, burning the cores ORB and the matcher share with
    // them
    options.addConfigEntry("session.intra_op.allow_spinning", "0");
    return options;
  }

  private void validateAgainstModel() {
    try {
      Map<String, NodeInfo> inputs = session.getInputInfo();
      Map<String, NodeInfo> outputs = session.getOutputInfo();
      String where = "model " + bundle.location() + ": ";
      if (!inputs.containsKey(manifest.input().name())) {
        throw new ModelLoadException(where + "input '" + manifest.input().name()
            + "' is not in the model, which has " + inputs.keySet());
      }
      if (!outputs.containsKey(manifest.output().name())) {
        throw new ModelLoadException(where + "output '" + manifest.output().name()
            + "' is not in the model, which has " + outputs.keySet());
      }
      long[] inShape = ((TensorInfo) inputs.get(manifest.input().name()).getInfo()).getShape();
      boolean planar = manifest.input().layout() == ModelManifest.Layout.NCHW;
      long[] expected = planar
          ? new long[] {-1, 3, manifest.input().height(), manifest.input().width()}
          : new long[] {-1, manifest.input().height(), manifest.input().width(), 3};
      if (inShape.length != NCHW_RANK) {
        throw new ModelLoadException(where + "input has rank " + inShape.length + ", expected 4 ("
            + manifest.input().layout() + ")");
      }
      for (int i = 1; i < NCHW_RANK; i++) {
        if (inShape[i] > 0 && inShape[i] != expected[i]) {
          throw new ModelLoadException(where + "input shape " + Arrays.toString(inShape)
              + " does not match the manifest's " + manifest.input().layout() + " "
              + manifest.input().width() + "x" + manifest.input().height());
        }
      }
      long[] outShape = ((TensorInfo) outputs.get(manifest.output().name()).getInfo()).getShape();
      long modelDimension = manifest.output().pooling() == ModelManifest.Pooling.NONE
          ? (outShape.length >= 2 ? outShape[1] : -1)
          : (outShape.length == NCHW_RANK ? outShape[1] : -2);
      if (modelDimension == -2) {
        throw new ModelLoadException(where + "pooling " + manifest.output().pooling()
            + " needs an NCHW feature map, output shape is " + Arrays.toString(outShape));
      }
      if (modelDimension > 0 && modelDimension != manifest.output().dimension()) {
        throw new ModelLoadException(where + "output dimension is " + modelDimension
            + ", the manifest says " + manifest.output().dimension());
      }
      if (bundle.whitening() != null
          && bundle.whitening().inputDimension() != manifest.output().dimension()) {
        throw new ModelLoadException(
            where + "whitening expects " + bundle.whitening().inputDimension()
                + "-d input, the model gives " + manifest.output().dimension());
      }
    } catch (OrtException e) {
      throw new ModelLoadException(
          "cannot inspect model " + bundle.location() + ": " + e.getMessage(), e);
    }
  }

  /** "cpu" or "cuda": where the model actually runs. */
  public String device() {
    return device;
  }

  public ModelManifest manifest() {
    return manifest;
  }

  public int dimension() {
    return bundle.dimension();
  }

  public Preprocessor preprocessor() {
    return preprocessor;
  }

  /** Descriptors of preprocessed samples, in order, computed in chunks of the configured batch size. */
  public float[][] embed(List<float[]> samples) throws OrtException {
    float[][] vectors = new float[samples.size()][];
    for (int start = 0; start < samples.size(); start += batchSize) {
      List<float[]> chunk = samples.subList(start, Math.min(samples.size(), start + batchSize));
      float[][] chunkVectors = runBatch(chunk);
      System.arraycopy(chunkVectors, 0, vectors, start, chunkVectors.length);
    }
    return vectors;
  }

  private float[][] runBatch(List<float[]> chunk) throws OrtException {
    int sampleLength = preprocessor.sampleLength();
    FloatBuffer batch = FloatBuffer.allocate(chunk.size() * sampleLength);
    for (float[] sample : chunk) {
      batch.put(sample);
    }
    batch.flip();
    ModelManifest.Input in = manifest.input();
    long[] shape = in.layout() == ModelManifest.Layout.NCHW
        ? new long[] {chunk.size(), 3, in.height(), in.width()}
        : new long[] {chunk.size(), in.height(), in.width(), 3};
    try (OnnxTensor tensor = OnnxTensor.createTensor(environment, batch, shape);
        OrtSession.Result result =
            session.run(Map.of(in.name(), tensor), Set.of(manifest.output().name()))) {
      OnnxValue value = result.get(manifest.output().name()).orElseThrow();
      OnnxTensor output = (OnnxTensor) value;
      long[] outShape = output.getInfo().getShape();
      FloatBuffer data = output.getFloatBuffer();
      float[][] vectors = new float[chunk.size()][];
      int perSample = data.remaining() / chunk.size();
      for (int i = 0; i < chunk.size(); i++) {
        float[] raw = new float[perSample];
        data.get(i * perSample, raw);
        vectors[i] = finish(pool(raw, outShape));
      }
      return vectors;
    }
  }

  private float[] pool(float[] raw, long[] outShape) {
    ModelManifest.Output out = manifest.output();
    if (out.pooling() == ModelManifest.Pooling.NONE) {
      return raw;
    }
    int channels = (int) outShape[1];
    int spatial = raw.length / channels;
    float[] pooled = new float[channels];
    boolean gem = out.pooling() == ModelManifest.Pooling.GEM;
    double p = gem ? out.gemP() : 1.0;
    for (int c = 0; c < channels; c++) {
      double sum = 0;
      for (int s = 0; s < spatial; s++) {
        float v = raw[c * spatial + s];
        sum += gem ? Math.pow(Math.max(v, GEM_EPSILON), p) : v;
      }
      double mean = sum / spatial;
      pooled[c] = (float) (gem ? Math.pow(mean, 1.0 / p) : mean);
    }
    return pooled;
  }

  private float[] finish(float[] vector) {
    float[] result = vector;
    ModelBundle.Whitening whitening = bundle.whitening();
    if (whitening != null) {
      result = new float[whitening.outputDimension()];
      int in = whitening.inputDimension();
      for (int row = 0; row < result.length; row++) {
        double sum = 0;
        for (int col = 0; col < in; col++) {
          sum += (double) whitening.matrix()[row * in + col]
              * (vector[col] - whitening.mean()[col]);
        }
        result[row] = (float) sum;
      }
    }
    if (manifest.l2Normalize()) {
      double norm = 0;
      for (float v : result) {
        norm += (double) v * v;
      }
      norm = Math.sqrt(norm);
      if (norm > 0) {
        for (int i = 0; i < result.length; i++) {
          result[i] = (float) (result[i] / norm);
        }
      }
    }
    return result;
  }

  private void closeQuietly() {
    try {
      session.close();
    } catch (OrtException ignored) {
      // closing after a failed validation; the validation error is what matters
    }
  }

  @Override
  public void close() {
    closeQuietly();
  }

  /** Convenience for tests and tools: descriptors of images, preprocessing included. */
  public List<float[]> describe(List<BgrImage> images) throws OrtException {
    List<float[]> samples = new ArrayList<>(images.size());
    for (var image : images) {
      samples.add(preprocessor.toTensor(image));
    }
    return List.of(embed(samples));
  }
}
