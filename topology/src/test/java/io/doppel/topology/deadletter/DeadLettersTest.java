package io.doppel.topology.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.ImageKey;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

  /** The dead-letter topic takes 2 MiB: an original over half of that is left out, and the letter says where it is. */
  @Test
  void anOriginalTooLargeForTheDeadLetterTopicIsLeftOutAndLocated() {
    RawRecord big = new RawRecord(
        "doppel.uploads", 3, 41, 0, new byte[] {1}, new byte[DeadLetters.MAX_ORIGINAL_BYTES + 1]);
    RawRecord small = new RawRecord(
        "doppel.uploads", 3, 42, 0, new byte[] {1}, new byte[DeadLetters.MAX_ORIGINAL_BYTES]);

    DeadLetter left = DeadLetters.of(
        "extractor",
        big,
        new ImageKey("t", "i"),
        null,
        DeadLetterReason.TOO_LARGE,
        "too big",
        Instant.EPOCH);
    DeadLetter kept = DeadLetters.of(
        "extractor",
        small,
        new ImageKey("t", "i"),
        null,
        DeadLetterReason.TOO_LARGE,
        "big",
        Instant.EPOCH);

    assertThat(left.getOriginalValue()).isNull();
    assertThat(left.getOriginalKey().array()).containsExactly(1);
    assertThat(left.getDetail()).startsWith("too big").contains("left out", "doppel.uploads-3@41");
    assertThat(kept.getOriginalValue().remaining()).isEqualTo(DeadLetters.MAX_ORIGINAL_BYTES);
    assertThat(kept.getDetail()).isEqualTo("big");
  }
}
