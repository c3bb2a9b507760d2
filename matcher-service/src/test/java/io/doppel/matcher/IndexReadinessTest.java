package io.doppel.matcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.lucene.LuceneIndexConfig;
import io.doppel.matcher.index.lucene.LuceneVectorIndex;
import io.doppel.topology.ops.HealthCheck;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The readiness check on the index: up while a real index answers, down once it does not. */
class IndexReadinessTest {

  @TempDir
  Path dir;

  @Test
  void indexCheckIsUpWhileTheIndexAnswersAndDownAfterItCloses() {
    LuceneVectorIndex index =
        LuceneVectorIndex.open(LuceneIndexConfig.of(dir, new ModelKey("readiness", "1")));
    HealthCheck check = MatcherService.indexReachable(index, Duration.ZERO);

    assertThat(check.name()).isEqualTo(MatcherService.INDEX_HEALTH_CHECK);
    assertThat(check.isUp()).isTrue();
    index.close();
    assertThat(check.isUp()).isFalse();
  }

  @Test
  void answersAreReusedWithinTheirTimeToLive() {
    LuceneVectorIndex index =
        LuceneVectorIndex.open(LuceneIndexConfig.of(dir, new ModelKey("readiness", "1")));
    HealthCheck check = MatcherService.indexReachable(index, Duration.ofHours(1));

    assertThat(check.isUp()).isTrue();
    index.close();
    assertThat(check.isUp()).as("cached answer").isTrue();
  }
}
