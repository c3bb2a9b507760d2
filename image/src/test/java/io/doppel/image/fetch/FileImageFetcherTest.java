package io.doppel.image.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.image.ImageRejectedException;
import io.doppel.schemas.avro.DeadLetterReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileImageFetcherTest {

  @TempDir
  Path root;

  @TempDir
  Path outside;

  @Test
  void readsFilesUnderARoot() throws Exception {
    Files.write(root.resolve("a.jpg"), new byte[] {1, 2, 3});
    FileImageFetcher fetcher = new FileImageFetcher(List.of(root), 1000);

    assertThat(fetcher.fetch(root.resolve("a.jpg").toUri())).containsExactly(1, 2, 3);
  }

  @Test
  void refusesFilesOutsideTheRoots() throws Exception {
    Files.write(outside.resolve("secret"), new byte[] {9});
    FileImageFetcher fetcher = new FileImageFetcher(List.of(root), 1000);

    assertReason(
        fetcher, outside.resolve("secret").toUri().toString(), DeadLetterReason.BLOCKED_ADDRESS);
    assertReason(
        fetcher,
        "file://" + root + "/../" + outside.getFileName() + "/secret",
        DeadLetterReason.BLOCKED_ADDRESS);
  }

  @Test
  void refusesSymlinksLeadingOutOfARoot() throws Exception {
    Files.write(outside.resolve("secret"), new byte[] {9});
    Files.createSymbolicLink(root.resolve("link.jpg"), outside.resolve("secret"));
    FileImageFetcher fetcher = new FileImageFetcher(List.of(root), 1000);

    assertReason(
        fetcher, root.resolve("link.jpg").toUri().toString(), DeadLetterReason.BLOCKED_ADDRESS);
  }

  @Test
  void missingAndOversizedFiles() throws Exception {
    Files.write(root.resolve("big.jpg"), new byte[2000]);
    FileImageFetcher fetcher = new FileImageFetcher(List.of(root), 1000);

    assertReason(fetcher, root.resolve("big.jpg").toUri().toString(), DeadLetterReason.TOO_LARGE);
    assertReason(
        fetcher, root.resolve("nope.jpg").toUri().toString(), DeadLetterReason.FETCH_FAILED);
  }

  @Test
  void fileSourcesAreOffWithoutRoots() {
    assertReason(
        new FileImageFetcher(List.of(), 1000),
        "file:///etc/hostname",
        DeadLetterReason.BLOCKED_ADDRESS);
  }

  private static void assertReason(FileImageFetcher fetcher, String uri, DeadLetterReason reason) {
    assertThatThrownBy(() -> fetcher.fetch(java.net.URI.create(uri)))
        .isInstanceOfSatisfying(
            ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }
}
