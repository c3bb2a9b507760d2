package io.doppel.standalone.bench;

import io.doppel.schemas.avro.Purpose;
import io.doppel.standalone.cli.Args;
import io.doppel.standalone.cli.Progress;
import io.doppel.standalone.cli.UsageException;
import io.doppel.standalone.eval.ImageFolder;
import io.doppel.standalone.eval.PipelineDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What {@code bench} and {@code soak} read: references indexed first, then images to upload (DEV by default). */
record BenchInputs(Path refsDir, Path uploadsDir) {

  static final String RIGHTS_HOLDER = "bench-rights-holder";

  static BenchInputs fromArgs(Args args, Path repositoryRoot) {
    Path shared = repositoryRoot.resolve("../shared/eval/dev").normalize();
    Path refsDir = Path.of(args.string("refs", shared.resolve("refs").toString()));
    Path uploadsDir = Path.of(args.string("uploads", shared.resolve("queries").toString()));
    for (Path dir : List.of(refsDir, uploadsDir)) {
      if (!Files.isDirectory(dir)) {
        throw new UsageException(dir + " is not a directory: pass --refs and --uploads");
      }
    }
    return new BenchInputs(refsDir, uploadsDir);
  }

  List<Path> folders() {
    return List.of(refsDir, uploadsDir);
  }

  /** Sends every reference as a REFERENCE upload and waits until each has its outcome; their ids. */
  List<String> indexReferences(PipelineDriver driver, Duration stallTimeout)
      throws InterruptedException {
    List<String> refIds = new ArrayList<>();
    for (Path file : ImageFolder.of(refsDir).files()) {
      String id = "ref-" + ImageFolder.idOf(file);
      refIds.add(id);
      driver.send(BenchCommand.TENANT, id, Purpose.REFERENCE, file, RIGHTS_HOLDER);
    }
    driver.flush();
    driver.awaitOutcomes(refIds, stallTimeout, new Progress("index", refIds.size())::update);
    return refIds;
  }
}
