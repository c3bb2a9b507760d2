package io.doppel.matcher.verify;

/** Loads OpenCV's native library once per JVM, before the first OpenCV call. */
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
