package io.doppel.matcher.index;

/** How many query keypoint descriptors found a near neighbour in one image. */
public record LocalVotes(ImageRef ref, ImageMeta meta, int votes) {}
