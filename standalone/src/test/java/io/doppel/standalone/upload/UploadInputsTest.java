package io.doppel.standalone.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UploadInputsTest {

  private static final long LIMIT = 1_000;

  @TempDir
  Path dir;

  @Test
  void filesFoldersAndUrlsExpandToOneInputPerImageWithStableIds() throws IOException {
    Path single = write("cat.png", 10);
    Path folder = Files.createDirectories(dir.resolve("batch"));
    write("batch/a.jpg", 10);
    write("batch/notes.txt", 10);
    write("batch/nested/b.webp", 10);

    UploadInputs inputs = UploadInputs.expand(
        List.of(
            single.toString(),
            folder.toString(),
            "https://cdn.example/img/dog%20photo.jpg?X-Amz-Signature=x"),
        "run1-",
        LIMIT);

    assertThat(inputs.problems()).isEmpty();
    assertThat(inputs.inputs())
        .extracting(UploadInputs.Input::imageId)
        .containsExactly("run1-cat", "run1-a", "run1-nested/b", "run1-dog photo");
    assertThat(inputs.inputs().get(0).file()).isEqualTo(single);
    assertThat(inputs.inputs().get(3).url())
        .isEqualTo(URI.create("https://cdn.example/img/dog%20photo.jpg?X-Amz-Signature=x"));
  }

  @Test
  void everyProblemIsReportedAtOnce() throws IOException {
    write("big.png", LIMIT + 1);
    write("empty.png", 0);
    Files.createDirectories(dir.resolve("nothing"));
    write("x/same.png", 10);
    write("y/same.jpg", 10);

    UploadInputs inputs = UploadInputs.expand(
        List.of(
            dir.resolve("missing.png").toString(),
            dir.resolve("big.png").toString(),
            dir.resolve("empty.png").toString(),
            dir.resolve("nothing").toString(),
            "s3://bucket/key.jpg",
            "file:///srv/images/a.png",
            "ftp://host/a.png",
            dir.resolve("x/same.png").toString(),
            dir.resolve("y/same.jpg").toString()),
        "",
        LIMIT);

    assertThat(inputs.problems())
        .hasSize(8)
        .anySatisfy(p -> assertThat(p).contains("missing.png").contains("no such file"))
        .anySatisfy(p -> assertThat(p).contains("big.png").contains("--max-inline-bytes"))
        .anySatisfy(p -> assertThat(p).contains("empty.png").contains("empty"))
        .anySatisfy(p -> assertThat(p).contains("nothing").contains("no image files"))
        .anySatisfy(p -> assertThat(p).contains("s3://").contains("presigned https://"))
        .anySatisfy(p -> assertThat(p).contains("file://").contains("inline"))
        .anySatisfy(p -> assertThat(p).contains("unsupported scheme 'ftp'"))
        .anySatisfy(p -> assertThat(p).contains("two inputs have the id 'same'"));
  }

  @Test
  void noOperandIsAProblem() {
    assertThat(UploadInputs.expand(List.of(), "", LIMIT).problems())
        .containsExactly("name at least one image file, folder or http(s) URL");
  }

  @Test
  void aUrlWithoutANameIsNamedByItsHost() {
    assertThat(UploadInputs.idOf(URI.create("https://images.example/")))
        .isEqualTo("images.example");
  }

  private Path write(String name, long bytes) throws IOException {
    Path file = dir.resolve(name);
    Files.createDirectories(file.getParent());
    return Files.write(file, new byte[(int) bytes]);
  }
}
