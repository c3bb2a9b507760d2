package io.doppel.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStackIT {

  @TempDir
  Path work;

  @Test
  void aWorkDirectoryOfItsOwnMakingIsRemovedAndAGivenOneKept() {
    Path temporary;
    try (EmbeddedStack stack = EmbeddedStack.start(options(null))) {
      temporary = stack.indexDirectory().getParent();
      assertThat(temporary.getFileName().toString()).startsWith("doppel-stack-");
      assertThat(temporary).isDirectory();
    }
    assertThat(temporary).as("the stack's own temporary directory, after close").doesNotExist();

    Path given = work.resolve("kept");
    try (EmbeddedStack stack = EmbeddedStack.start(options(given))) {
      assertThat(stack.indexDirectory()).startsWith(given);
    }
    assertThat(given.resolve("kafka")).as("a --work directory, after close").isDirectory();
  }

  private StackOptions options(Path workDir) {
    return new StackOptions(
        workDir, List.of(work), StackOptions.LUCENE, null, false, 1, null, null, Map.of());
  }
}
