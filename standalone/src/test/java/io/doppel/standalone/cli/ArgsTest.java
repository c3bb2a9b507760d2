package io.doppel.standalone.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {

  @Test
  void operandsAreKeptInOrderBetweenOptionsAndAfterTheDoubleDash() {
    Args args = Args.parseWithOperands(
        List.of("a.png", "--tenant", "acme", "dir", "--dry", "--", "--odd-name.png"),
        Set.of("dry"));

    assertThat(args.operands()).containsExactly("a.png", "dir", "--odd-name.png");
    assertThat(args.string("tenant", null)).isEqualTo("acme");
    assertThat(args.flag("dry")).isTrue();
  }

  @Test
  void commandsWithoutOperandsStillRefuseThem() {
    assertThatThrownBy(() -> Args.parse(List.of("--max", "3", "stray"), Set.of()))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("unexpected argument 'stray'");
  }
}
