package io.doppel.matcher.index;

import io.doppel.schemas.avro.Purpose;

/** What a search hit says about the image it found, so policy can decide without another lookup. */
public record ImageMeta(Purpose purpose, String rightsHolder, String referenceSet, long indexedAtMillis, int width, int height) {}
