package io.doppel.extractor.descriptor;

import io.doppel.image.OpenCvRuntime;
import io.doppel.image.decode.BgrImage;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Rect;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * A view's pixels to the model's input tensor (one sample), as the manifest says: resize mode,
 * channel order, scale, mean/std and layout. Deterministic: same pixels, same floats. Thread-safe.
 */
public final class Preprocessor {

  private static final int C = BgrImage.CHANNELS;
  private final ModelManifest.Input input;

  public Preprocessor(ModelManifest.Input input) {
    OpenCvRuntime.ensureLoaded();
    this.input = input;
  }

  public int sampleLength() {
    return C * input.width() * input.height();
  }

  public float[] toTensor(BgrImage image) {
    int targetW = input.width();
    int targetH = input.height();
    byte[] pixels;
    int offsetX = 0;
    int offsetY = 0;
    int pixelsW;
    int pixelsH;
    switch (input.resize()) {
      case STRETCH -> {
        pixels = resize(image, targetW, targetH, null);
        pixelsW = targetW;
        pixelsH = targetH;
      }
      case LETTERBOX -> {
        double scale =
            Math.min((double) targetW / image.width(), (double) targetH / image.height());
        pixelsW = Math.max(1, Math.min(targetW, (int) Math.round(image.width() * scale)));
        pixelsH = Math.max(1, Math.min(targetH, (int) Math.round(image.height() * scale)));
        pixels = resize(image, pixelsW, pixelsH, null);
        offsetX = (targetW - pixelsW) / 2;
        offsetY = (targetH - pixelsH) / 2;
      }
      default -> {
        double scale =
            Math.max((double) targetW / image.width(), (double) targetH / image.height());
        int scaledW = Math.max(targetW, (int) Math.round(image.width() * scale));
        int scaledH = Math.max(targetH, (int) Math.round(image.height() * scale));
        pixels = resize(
            image,
            scaledW,
            scaledH,
            new Rect((scaledW - targetW) / 2, (scaledH - targetH) / 2, targetW, targetH));
        pixelsW = targetW;
        pixelsH = targetH;
      }
    }
    // Letterbox padding is the mean colour, which is exactly 0 after normalisation.
    float[] tensor = new float[sampleLength()];
    boolean rgb = input.channels() == ModelManifest.ChannelOrder.RGB;
    boolean planar = input.layout() == ModelManifest.Layout.NCHW;
    float[] multiplier = new float[C];
    float[] offset = new float[C];
    for (int c = 0; c < C; c++) {
      multiplier[c] = (float) (1.0 / (input.scale() * input.std()[c]));
      offset[c] = (float) (input.mean()[c] / input.std()[c]);
    }
    int plane = targetW * targetH;
    for (int y = 0; y < pixelsH; y++) {
      for (int x = 0; x < pixelsW; x++) {
        int source = (y * pixelsW + x) * C;
        int target = (y + offsetY) * targetW + (x + offsetX);
        for (int c = 0; c < C; c++) {
          int bgrIndex = rgb ? C - 1 - c : c;
          float value = (pixels[source + bgrIndex] & 0xFF) * multiplier[c] - offset[c];
          tensor[planar ? c * plane + target : target * C + c] = value;
        }
      }
    }
    return tensor;
  }

  /** Resized BGR bytes (area averaging when shrinking, bilinear when enlarging), optionally cropped. */
  private static byte[] resize(BgrImage image, int width, int height, Rect crop) {
    Mat source = new Mat(image.height(), image.width(), CvType.CV_8UC3);
    Mat resized = new Mat();
    try {
      source.put(0, 0, image.bgr());
      boolean shrinking = width < image.width() || height < image.height();
      Imgproc.resize(
          source,
          resized,
          new Size(width, height),
          0,
          0,
          shrinking ? Imgproc.INTER_AREA : Imgproc.INTER_LINEAR);
      Mat region = crop == null ? resized : resized.submat(crop).clone();
      try {
        byte[] out = new byte[(int) (region.total() * C)];
        region.get(0, 0, out);
        return out;
      } finally {
        if (region != resized) {
          region.release();
        }
      }
    } finally {
      source.release();
      resized.release();
    }
  }
}
