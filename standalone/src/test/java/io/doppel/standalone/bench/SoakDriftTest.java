package io.doppel.standalone.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SoakDriftTest {

  private static final long MB = 1024L * 1024L;
  private static final LatencyStats NO_LATENCY = LatencyStats.ofMillis(new double[0]);

  @Test
  void driftIsTheLeastSquaresSlopeOfEachSeriesAfterTheWarmUp() {
    // anonymous memory grows 10 MB a minute after a warm-up spike; the heap is flat with noise; the
    // index shrinks
    List<SoakCommand.Sample> samples = IntStream.range(0, 11)
        .mapToObj(minute -> new SoakCommand.Sample(
            minute,
            0,
            0,
            (minute < 2 ? 5_000 : 1_000 + 10 * minute) * MB,
            300 * MB,
            2_000 * MB,
            (minute % 2 == 0 ? 800 : 804) * MB,
            400 * MB,
            (100 - minute) * MB,
            NO_LATENCY))
        .toList();

    var drift = SoakCommand.drift(samples, 2);

    assertThat(drift.get("samples")).isEqualTo(9);
    assertThat((double) drift.get("rss_anonymous")).as("MB per hour").isCloseTo(600, within(1e-6));
    assertThat((double) drift.get("rss_file_mapped")).isCloseTo(0, within(1e-6));
    assertThat((double) drift.get("heap_committed")).isCloseTo(0, within(1e-6));
    assertThat((double) drift.get("heap_after_gc")).isCloseTo(0, within(20.0));
    assertThat((double) drift.get("index_on_disk")).isCloseTo(-60, within(1e-6));
  }

  @Test
  void fewerThanTwoSamplesHaveNoDrift() {
    List<SoakCommand.Sample> one =
        List.of(new SoakCommand.Sample(6, 0, 0, MB, MB, MB, MB, MB, MB, NO_LATENCY));

    assertThat((double) SoakCommand.drift(one, 5).get("rss_anonymous")).isNaN();
  }
}
