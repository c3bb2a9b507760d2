package io.doppel.matcher.score;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HeldOutSplitTest {

  private final HeldOutSplit split = new HeldOutSplit(HeldOutSplit.DEFAULT_SALT, 0);

  @Test
  void copiesOfOneReferenceFallOnOneSideWhateverTheirQuery() {
    String reference = "4da8e554d40d0e03";
    assertThat(split.heldOut(HeldOutSplit.groupOf("query-a", reference)))
        .isEqualTo(split.heldOut(HeldOutSplit.groupOf("query-b", reference)));
  }

  @Test
  void aboutHalfOfManyGroupsAreHeldOutAndTheSaltRedraws() {
    int heldOut = 0;
    int moved = 0;
    HeldOutSplit other = new HeldOutSplit("another-salt", 0);
    for (int i = 0; i < 2_000; i++) {
      String group = HeldOutSplit.groupOf("q" + i, i % 2 == 0 ? "r" + i : null);
      heldOut += split.heldOut(group) ? 1 : 0;
      moved += split.half(group) != other.half(group) ? 1 : 0;
    }
    assertThat(heldOut).isBetween(900, 1_100);
    assertThat(moved).isBetween(900, 1_100);
  }

  @Test
  void theHalvesAreFixedByTheSaltAlone() {
    // SHA-256("doppel-split-1\nr1") ends in 0x..d190, an even byte: a changed hash would silently
    // move every published
    // held-out figure to other queries (the same rule in Python: hashlib.sha256(...).digest()[-1] &
    // 1)
    assertThat(split.half("r1")).isZero();
    assertThat(split.half("r1"))
        .isEqualTo(new HeldOutSplit(HeldOutSplit.DEFAULT_SALT, 1).half("r1"));
    assertThat(new HeldOutSplit(HeldOutSplit.DEFAULT_SALT, 1).heldOut("r1"))
        .isNotEqualTo(split.heldOut("r1"));
    assertThatThrownBy(() -> new HeldOutSplit("s", 2)).isInstanceOf(IllegalArgumentException.class);
  }
}
