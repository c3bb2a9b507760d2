package io.doppel.extractor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.extractor.Fixtures;
import io.doppel.extractor.TestUploads;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.topology.extract.Extraction;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A batch of uploads whose host accepts connections and never answers, more of them than there are workers: every
 * upload of the batch shares one fetch deadline, so the batch is done at that deadline, not at one deadline per round
 * of workers, and stays well inside the transaction timeout however many uploads stall.
 */
class BatchFetchDeadlineTest {

  private ServerSocket tarpit;
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private Thread acceptor;

  @BeforeEach
  void start() throws IOException {
    tarpit = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = Thread.ofVirtual().start(() -> {
      try {
        while (true) {
          held.add(tarpit.accept());
        }
      } catch (IOException closed) {
        // the test is over
      }
    });
  }

  @AfterEach
  void stop() throws IOException {
    tarpit.close();
    for (Socket socket : held) {
      socket.close();
    }
  }

  @Test
  void aBatchOfStallingHostsEndsAtOneSharedDeadline() {
    List<UploadEvent> batch = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      batch.add(TestUploads.fromSource(
          "stalled-" + i, "http://127.0.0.1:" + tarpit.getLocalPort() + "/" + i + ".png"));
    }
    try (PipelineFeatureExtractor extractor = new PipelineFeatureExtractor(Fixtures.config(
        "pipeline.worker-threads",
        "2",
        "fetch.allow-list",
        "127.0.0.1/32",
        "fetch.deadline-ms",
        "1000",
        "fetch.retry.initial-backoff-ms",
        "1"))) {
      long start = System.nanoTime();

      List<Extraction> results = extractor.extract(batch);

      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertThat(results)
          .allSatisfy(result -> assertThat(result)
              .isInstanceOfSatisfying(
                  Extraction.Failed.class,
                  failed -> assertThat(failed.reason()).isEqualTo(DeadLetterReason.TIMEOUT)));
      assertThat(took).as("8 stalled uploads on 2 workers").isLessThan(Duration.ofMillis(2500));
    }
  }
}
