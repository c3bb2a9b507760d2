package io.doppel.extractor;

/** Loads OpenCV's native library once per JVM (from the openpnp jar). */
public final class OpenCvRuntime {

  private static volatile boolean loaded;

  private OpenCvRuntime() {}

  public static void ensureLoaded() {
    if (!loaded) {
      synchronized (OpenCvRuntime.class) {
        if (!loaded) {
          nu.pattern.OpenCV.loadLocally();
          loaded = true;
        }
      }
    }
  }
}
