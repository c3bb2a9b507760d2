package io.doppel.standalone.tail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.schemas.Topics;
import io.doppel.standalone.cli.UsageException;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class DecisionKindTest {

  @Test
  void kindsAreNamedAsOnTheCommandLineAndReadOnlyTheirTopics() {
    assertThat(DecisionKind.parse("duplicate, copyright-violation"))
        .containsExactly(DecisionKind.DUPLICATE, DecisionKind.COPYRIGHT_VIOLATION);
    assertThat(DecisionKind.topicsOf(DecisionKind.parse("duplicate,copyright-violation")))
        .containsExactly(Topics.DUPLICATES, Topics.VIOLATIONS);
    assertThat(DecisionKind.topicsOf(DecisionKind.parse("clean,registered")))
        .containsExactly(Topics.OUTCOMES);
    assertThat(DecisionKind.parse(null)).isEqualTo(EnumSet.allOf(DecisionKind.class));
    assertThat(DecisionKind.topicsOf(DecisionKind.parse(null)))
        .containsExactly(
            Topics.DEAD_LETTERS, Topics.DUPLICATES, Topics.OUTCOMES, Topics.VIOLATIONS);
  }

  @Test
  void unknownKindsAreOneUsageErrorNamingThemAll() {
    assertThatThrownBy(() -> DecisionKind.parse("duplicate,violation,spam"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("unknown: violation, spam")
        .hasMessageContaining("copyright-violation");
    assertThatThrownBy(() -> DecisionKind.parse(" , ")).isInstanceOf(UsageException.class);
  }
}
