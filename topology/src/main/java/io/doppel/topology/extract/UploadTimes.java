package io.doppel.topology.extract;

import java.time.Duration;
import java.time.Instant;

/**
 * When an upload happened, as Doppel records it. {@code uploadedAt} is the producer's claim; the record's timestamp is
 * the broker's where the topic has {@code message.timestamp.type=LogAppendTime} (Doppel's topic definitions set it on
 * {@code doppel.uploads}). Retro-scan windows and the index compare against the recorded time, so a producer that
 * backdated its uploads would keep them out of every retro-scan. Pure.
 */
public final class UploadTimes {

  private UploadTimes() {}

  /**
   * {@code uploadedAt} moved into {@code [recordTimestamp − tolerance, recordTimestamp + tolerance]}; unchanged when the
   * record has no timestamp (negative, as Kafka reports a missing one). Guarded by {@code
   * ExtractionTopologyTest.anUploadedAtFarFromTheRecordsTimestampIsBoundedByIt}.
   */
  public static Instant bounded(Instant uploadedAt, long recordTimestampMs, Duration tolerance) {
    if (recordTimestampMs < 0) {
      return uploadedAt;
    }
    Instant appended = Instant.ofEpochMilli(recordTimestampMs);
    Instant earliest = appended.minus(tolerance);
    Instant latest = appended.plus(tolerance);
    return uploadedAt.isBefore(earliest)
        ? earliest
        : uploadedAt.isAfter(latest) ? latest : uploadedAt;
  }
}
