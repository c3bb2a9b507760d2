package io.doppel.matcher.index;

/** A global-descriptor search hit: the image and the best similarity of any of its vectors (higher is closer). */
public record GlobalHit(ImageRef ref, ImageMeta meta, float similarity) {}
