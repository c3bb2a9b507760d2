package io.doppel.extractor.pipeline;

import io.doppel.topology.extract.Extraction;

/** An extraction result with the phase timings behind it (for the benchmark and metrics). */
public record TimedExtraction(Extraction extraction, PhaseTimings timings) {}
