package io.doppel.extractor.pipeline;

import io.doppel.image.decode.BgrImage;
import io.doppel.schemas.avro.Box;
import io.doppel.schemas.avro.ViewKind;

/**
 * One view to describe: its kind, the image region it covers, its own pixels, its keypoint budget, and its content
 * inside uniform borders (in its own pixels; all of them when it has no border).
 *
 * @param dense the upload's DENSE view (see {@link ViewPlanner}): the FULL view's pixels with a larger keypoint
 *     budget, so its global descriptor is FULL's and needs no model call
 */
public record PlannedView(
    ViewKind kind, Box region, BgrImage pixels, int maxKeypoints, Box content, boolean dense) {

  public PlannedView(ViewKind kind, Box region, BgrImage pixels, int maxKeypoints, Box content) {
    this(kind, region, pixels, maxKeypoints, content, false);
  }
}
