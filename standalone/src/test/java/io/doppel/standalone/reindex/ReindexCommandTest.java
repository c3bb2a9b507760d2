package io.doppel.standalone.reindex;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.descriptor.ModelBundle;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.lucene.LuceneIndexConfig;
import io.doppel.matcher.index.lucene.LuceneVectorIndex;
import io.doppel.standalone.cli.Args;
import io.doppel.testing.SyntheticImages;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code doppel reindex} over a folder with the real extractor and a real Lucene index: a new model
 * version gets its own index with every image, the old model's index is untouched, and a second
 * run resumes (skips what is indexed) instead of starting over.
 */
class ReindexCommandTest {

  private static final String BUILT_IN_MANIFEST =
      ExtractorConfig.BUILT_IN_MANIFEST.substring(ModelBundle.CLASSPATH_PREFIX.length());
  private static final ModelBundle BUILT_IN = ModelBundle.load(ExtractorConfig.BUILT_IN_MANIFEST);
  private static final ModelKey OLD =
      new ModelKey(BUILT_IN.manifest().id(), BUILT_IN.manifest().version());
  private static final ModelKey NEW = new ModelKey(OLD.modelId(), OLD.modelVersion() + "-next");
  private static final List<String> IDS = List.of("alpha", "beta", "gamma");

  @TempDir
  Path work;

  @Test
  void newModelVersionIsBackfilledIntoItsOwnIndexAndTheOldOneIsUntouched() throws Exception {
    Path refs = Files.createDirectories(work.resolve("refs"));
    for (int i = 0; i < IDS.size(); i++) {
      SyntheticImages.writePng(
          SyntheticImages.texture(100 + i, 320, 240), refs.resolve(IDS.get(i) + ".png"));
    }
    Path oldRefs = Files.createDirectories(work.resolve("old-refs"));
    SyntheticImages.writePng(SyntheticImages.texture(7, 320, 240), oldRefs.resolve("legacy.png"));
    Path indexDir = work.resolve("index");
    Path newModel = modelVersion(NEW.modelVersion());

    assertThat(reindex("--refs", oldRefs.toString(), "--index-dir", indexDir.toString()))
        .contains("indexed 1,");
    String first = reindex(
        "--refs",
        refs.toString(),
        "--model",
        newModel.toString(),
        "--index-dir",
        indexDir.toString(),
        "--batch",
        "2");
    String second = reindex(
        "--refs",
        refs.toString(),
        "--model",
        newModel.toString(),
        "--index-dir",
        indexDir.toString(),
        "--ops-port",
        "0");

    assertThat(first).contains("read 3, indexed 3, already indexed 0, deleted 0, failed 0");
    assertThat(second).as("a rerun resumes").contains("read 3, indexed 0, already indexed 3");
    try (LuceneVectorIndex index = LuceneVectorIndex.open(LuceneIndexConfig.of(indexDir, NEW))) {
      for (String id : IDS) {
        ImageRef ref = new ImageRef(ReindexCommand.DEFAULT_TENANT, id);
        assertThat(index.contains(ref)).as(id).isTrue();
        assertThat(index.keypoints(ref).size()).as(id + " keypoints").isPositive();
      }
      assertThat(index.contains(new ImageRef(ReindexCommand.DEFAULT_TENANT, "legacy")))
          .isFalse();
    }
    try (LuceneVectorIndex index = LuceneVectorIndex.open(LuceneIndexConfig.of(indexDir, OLD))) {
      assertThat(index.contains(new ImageRef(ReindexCommand.DEFAULT_TENANT, "legacy")))
          .isTrue();
      for (String id : IDS) {
        assertThat(index.contains(new ImageRef(ReindexCommand.DEFAULT_TENANT, id)))
            .as("old index " + id)
            .isFalse();
      }
    }
  }

  @Test
  void manifestListsOriginalsAnywhereAndRejectsBadLinesBeforeWriting() throws Exception {
    Path images = Files.createDirectories(work.resolve("store"));
    SyntheticImages.writePng(SyntheticImages.texture(300, 320, 240), images.resolve("a.png"));
    SyntheticImages.writePng(SyntheticImages.texture(301, 320, 240), images.resolve("b.png"));
    Path manifest = Files.writeString(work.resolve("images.csv"), """
        tenant,image_id,purpose,source,rights_holder,reference_set,uploaded_at
        acme,upload-a,UPLOAD,store/a.png,,,2026-11-01T10:00:00Z
        rights,ref-b,REFERENCE,store/b.png,Studio B,studio-b,
        """);
    Path indexDir = work.resolve("index");
    Path policy = grantingRightsStudioB();

    assertThat(reindex(
            "--manifest",
            manifest.toString(),
            "--index-dir",
            indexDir.toString(),
            "--policy",
            policy.toString()))
        .contains("read 2, indexed 2");
    try (LuceneVectorIndex index = LuceneVectorIndex.open(LuceneIndexConfig.of(indexDir, OLD))) {
      assertThat(index.contains(new ImageRef("acme", "upload-a"))).isTrue();
      assertThat(index.contains(new ImageRef("rights", "ref-b"))).isTrue();
    }

    Path bad = Files.writeString(work.resolve("bad.csv"), """
        tenant,image_id,purpose,source
        acme,x,UPLOAD,store/a.png
        rights,y,REFERENCE,store/b.png
        """);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> reindex(
            "--manifest",
            bad.toString(),
            "--index-dir",
            work.resolve("other-index").toString()))
        .hasMessageContaining("line 3: a REFERENCE needs rights_holder or reference_set");
    assertThat(work.resolve("other-index")).doesNotExist();
  }

  @Test
  void aReferenceTheMatcherWouldRefuseToRegisterIsRefusedAndNotIndexed() throws Exception {
    Path images = Files.createDirectories(work.resolve("store"));
    SyntheticImages.writePng(SyntheticImages.texture(310, 320, 240), images.resolve("a.png"));
    SyntheticImages.writePng(SyntheticImages.texture(311, 320, 240), images.resolve("b.png"));
    SyntheticImages.writePng(SyntheticImages.texture(312, 320, 240), images.resolve("c.png"));
    // rights may register into studio-b only; acme has no registers at all
    Path manifest = Files.writeString(work.resolve("images.csv"), """
        tenant,image_id,purpose,source,rights_holder,reference_set,uploaded_at
        acme,upload-a,UPLOAD,store/a.png,,,2026-11-01T10:00:00Z
        rights,ref-b,REFERENCE,store/b.png,Studio B,studio-b,
        acme,ref-c,REFERENCE,store/c.png,Studio B,studio-b,
        """);
    Path indexDir = work.resolve("index");

    String withPolicy = reindex(
        "--manifest",
        manifest.toString(),
        "--index-dir",
        indexDir.toString(),
        "--policy",
        grantingRightsStudioB().toString());
    // the default (eval's embedded policy) grants neither tenant studio-b
    String withDefault = reindex(
        "--manifest", manifest.toString(), "--index-dir", work.resolve("i2").toString());

    assertThat(withPolicy).contains("read 3, indexed 2, already indexed 0, deleted 0, failed 1");
    try (LuceneVectorIndex index = LuceneVectorIndex.open(LuceneIndexConfig.of(indexDir, OLD))) {
      assertThat(index.contains(new ImageRef("acme", "upload-a"))).isTrue();
      assertThat(index.contains(new ImageRef("rights", "ref-b"))).isTrue();
      assertThat(index.contains(new ImageRef("acme", "ref-c")))
          .as("a reference into a set its tenant was not granted")
          .isFalse();
    }
    assertThat(withDefault).contains("read 3, indexed 1, already indexed 0, deleted 0, failed 2");
  }

  /** The embedded policy plus tenant {@code rights}, which may register into {@code studio-b}. */
  private Path grantingRightsStudioB() throws Exception {
    return Files.writeString(work.resolve("policy.yaml"), """
        version: test-1
        referenceSets: [studio-b, eval-rights-holder]
        defaults:
          duplicateThreshold: 0.5
          violationThreshold: 0.5
          referenceSets: "*"
          allow: {imageIds: [], rightsHolders: [], uploaders: []}
          retroScanLookback: P30D
        tenants:
          rights:
            registers: [studio-b]
        """);
  }

  /** Runs the command and returns what it printed on stdout. */
  private static String reindex(String... args) throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    int status;
    try {
      status = ReindexCommand.run(Args.parse(List.of(args), Set.of("force")), Map.of());
    } finally {
      System.setOut(original);
    }
    String out = captured.toString(StandardCharsets.UTF_8);
    original.print(out);
    assertThat(status).as(out).isZero();
    return out;
  }

  /** The built-in model's weights under another version: what a model upgrade ships. */
  private Path modelVersion(String version) throws Exception {
    Path dir = Files.createDirectories(work.resolve("model-v" + version));
    String manifest = resource(BUILT_IN_MANIFEST);
    String renamed =
        manifest.replaceFirst("\"version\"\\s*:\\s*\"[^\"]*\"", "\"version\": \"" + version + "\"");
    assertThat(renamed).isNotEqualTo(manifest);
    Files.writeString(dir.resolve("manifest.json"), renamed);
    Files.write(dir.resolve(BUILT_IN.manifest().file()), BUILT_IN.model());
    return dir.resolve("manifest.json");
  }

  private static String resource(String name) throws Exception {
    try (InputStream in = ReindexCommandTest.class.getClassLoader().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
