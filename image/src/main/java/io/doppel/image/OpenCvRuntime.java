package io.doppel.image;

/**
 * Loads OpenCV's native library once per JVM (from the openpnp jar), before the first OpenCV call. That jar is a
 * {@code provided} dependency of this module, so that the review console does not carry it: a module that calls
 * this (the extractor, the matcher) declares {@code org.openpnp:opencv} itself.
 */
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
