package io.doppel.matcher.policy;

import io.doppel.matcher.index.ImageRef;
import io.doppel.schemas.avro.Purpose;

/** A verified and scored candidate, with what the policy needs to know about the matched image. */
public record ScoredCandidate(
    ImageRef ref, Purpose purpose, String rightsHolder, String referenceSet, double score) {}
