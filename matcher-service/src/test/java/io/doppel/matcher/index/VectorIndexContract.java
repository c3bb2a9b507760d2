package io.doppel.matcher.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.doppel.schemas.avro.Purpose;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.apache.lucene.util.VectorUtil;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link VectorIndex} must have. Subclasses supply the backend; names are
 * unique per test so backends shared across tests (a Milvus server) need no cleanup.
 */
public abstract class VectorIndexContract {

  public static final ModelKey MODEL = new ModelKey("contract-model", "1");
  public static final int DIMENSIONS = 64;
  public static final String INJECTION = "a\" or 1==1 or \"";

  private static final int KEYPOINTS = 60;
  private static final int MAX_HAMMING = 24;
  private static final int NEIGHBOURS = 3;
  private static final int FLIPPED_BITS = 6;
  private static final long INDEXED_AT = 1_700_000_000_000L;

  /** The backend under test; the same instance for every test of a class is fine. */
  protected abstract VectorIndex index();

  private final Random random = new Random(42);
  private String run;

  @BeforeEach
  void newRunId() {
    run = UUID.randomUUID().toString().substring(0, 8);
  }

  private String name(String base) {
    return base + "-" + run;
  }

  @Test
  void upsertedImageIsFoundWithItsMetadata() {
    IndexedImage image = upload(name("t"), "img-1");
    IndexedImage other = upload(name("t"), "img-2");
    write(image, other);

    List<GlobalHit> hits =
        index().searchGlobal(noisy(image.globals().get(0)), 5, uploadsOf(name("t")));

    assertThat(hits).extracting(GlobalHit::ref).containsExactly(image.ref(), other.ref());
    assertThat(hits.get(0).similarity()).isGreaterThan(0.95f);
    assertThat(hits.get(0).meta())
        .isEqualTo(new ImageMeta(Purpose.UPLOAD, null, null, INDEXED_AT, 640, 480));
    assertThat(index().contains(image.ref())).isTrue();
  }

  @Test
  void replayedUpsertLeavesOneEntryAndTheLatestKeypoints() {
    IndexedImage first = upload(name("t"), "img-1");
    IndexedImage fewerKeypoints = first.withKeypoints(keypoints(KEYPOINTS / 2));
    write(first, first, fewerKeypoints, fewerKeypoints);

    assertThat(index().searchGlobal(first.globals().get(0), 10, uploadsOf(name("t"))))
        .extracting(GlobalHit::ref)
        .containsExactly(first.ref());
    assertThat(index().keypoints(first.ref()))
        .usingRecursiveComparison()
        .isEqualTo(fewerKeypoints.keypoints());
    assertThat(index()
            .searchLocal(
                descriptorsOf(fewerKeypoints.keypoints()),
                NEIGHBOURS,
                MAX_HAMMING,
                10,
                uploadsOf(name("t"))))
        .singleElement()
        .satisfies(votes -> assertThat(votes.votes()).isEqualTo(KEYPOINTS / 2));
    assertThat(index()
            .searchLocal(
                descriptorsOf(first.keypoints()).subList(KEYPOINTS / 2, KEYPOINTS),
                NEIGHBOURS,
                MAX_HAMMING,
                10,
                uploadsOf(name("t"))))
        .as("descriptors of the replaced version are gone")
        .isEmpty();
  }

  @Test
  void deletedImageIsNeverFoundAgain() {
    IndexedImage image = upload(name("t"), "img-1");
    IndexedImage kept = upload(name("t"), "img-2");
    write(image, kept);

    index().delete(image.ref());
    index().delete(new ImageRef(name("t"), "never-indexed"));
    index().refresh();

    assertThat(index().searchGlobal(image.globals().get(0), 10, uploadsOf(name("t"))))
        .extracting(GlobalHit::ref)
        .containsExactly(kept.ref());
    assertThat(index()
            .searchLocal(
                descriptorsOf(image.keypoints()),
                NEIGHBOURS,
                MAX_HAMMING,
                10,
                uploadsOf(name("t"))))
        .isEmpty();
    assertThat(index().keypoints(image.ref()).size()).isZero();
    assertThat(index().contains(image.ref())).isFalse();
    assertThat(index().contains(kept.ref())).isTrue();
  }

  @Test
  void tenantsAreIsolatedEvenWithInjectionStrings() {
    IndexedImage mine = upload(name("mine"), "img-1");
    IndexedImage theirs =
        withGlobal(upload(name("theirs"), "img-1"), mine.globals().get(0));
    IndexedImage injectedTenant =
        withGlobal(upload(INJECTION + run, "img-1"), mine.globals().get(0));
    IndexedImage injectedId =
        withGlobal(upload(name("mine"), INJECTION), mine.globals().get(0));
    write(mine, theirs, injectedTenant, injectedId);
    float[] query = mine.globals().get(0);

    assertThat(index().searchGlobal(query, 10, uploadsOf(name("mine"))))
        .extracting(GlobalHit::ref)
        .containsExactlyInAnyOrder(mine.ref(), injectedId.ref());
    assertThat(index().searchGlobal(query, 10, uploadsOf(INJECTION + run)))
        .extracting(GlobalHit::ref)
        .containsExactly(injectedTenant.ref());
    assertThat(index().searchGlobal(query, 10, uploadsOf(INJECTION))).isEmpty();
    assertThat(index()
            .searchLocal(
                descriptorsOf(mine.keypoints()), NEIGHBOURS, MAX_HAMMING, 10, uploadsOf(INJECTION)))
        .isEmpty();
    assertThat(index().searchGlobal(query, 10, new Scope(Set.of(), Set.of(INJECTION), 0, null)))
        .isEmpty();

    index().delete(injectedId.ref());
    index().refresh();
    assertThat(index().contains(mine.ref()))
        .as("deleting the injection id touches nothing else")
        .isTrue();
    assertThat(index().keypoints(mine.ref()))
        .usingRecursiveComparison()
        .isEqualTo(mine.keypoints());
    assertThat(index().searchGlobal(query, 10, uploadsOf(name("mine"))))
        .extracting(GlobalHit::ref)
        .containsExactly(mine.ref());
  }

  /**
   * Ids that a naive key join or a query syntax would confuse: "a/b" + "c" against "a" +
   * "b/c", wildcards and Lucene/Milvus operators as whole tenant names. Each stays its own image in
   * its own tenant, and deleting one touches no other.
   */
  @Test
  void hostileTenantAndImageIdsNeverAliasAnotherImage() {
    String slashTenant = name("a") + "/b";
    IndexedImage joinedLeft = upload(slashTenant, "c");
    IndexedImage joinedRight =
        withGlobal(upload(name("a"), "b/c"), joinedLeft.globals().get(0));
    List<String> syntax =
        List.of("*", "?", "tenant:*", "* OR *", "\\", "\" || \"\"==\"", "a' or '1'='1");
    List<IndexedImage> hostile = syntax.stream()
        .map(tenant ->
            withGlobal(upload(tenant + run, "img"), joinedLeft.globals().get(0)))
        .toList();
    write(joinedLeft, joinedRight);
    write(hostile.toArray(IndexedImage[]::new));
    float[] query = joinedLeft.globals().get(0);

    assertThat(index().searchGlobal(query, 20, uploadsOf(slashTenant)))
        .extracting(GlobalHit::ref)
        .containsExactly(joinedLeft.ref());
    assertThat(index().searchGlobal(query, 20, uploadsOf(name("a"))))
        .extracting(GlobalHit::ref)
        .containsExactly(joinedRight.ref());
    for (IndexedImage image : hostile) {
      assertThat(index().searchGlobal(query, 20, uploadsOf(image.ref().tenant())))
          .extracting(GlobalHit::ref)
          .as("tenant %s sees only itself", image.ref().tenant())
          .containsExactly(image.ref());
    }
    assertThat(index().searchGlobal(query, 20, uploadsOf("*")))
        .as("no wildcard tenant")
        .isEmpty();

    index().delete(joinedLeft.ref());
    index().refresh();
    assertThat(index().contains(joinedLeft.ref())).isFalse();
    assertThat(index().contains(joinedRight.ref()))
        .as("deleting a/b + c keeps a + b/c")
        .isTrue();
    assertThat(hostile).allMatch(image -> index().contains(image.ref()));
  }

  @Test
  void referenceSetsScopeReferences() {
    IndexedImage reference = reference(name("rights"), "work-1", name("set-a"));
    IndexedImage ownUpload =
        withGlobal(upload(name("rights"), "upload-1"), reference.globals().get(0));
    write(reference, ownUpload);
    float[] query = reference.globals().get(0);

    assertThat(index().searchGlobal(query, 10, new Scope(Set.of(), Set.of(name("set-a")), 0, null)))
        .singleElement()
        .satisfies(hit -> {
          assertThat(hit.ref()).isEqualTo(reference.ref());
          assertThat(hit.meta())
              .isEqualTo(new ImageMeta(
                  Purpose.REFERENCE, "Rights Holder Ltd", name("set-a"), INDEXED_AT, 640, 480));
        });
    assertThat(index().searchGlobal(query, 10, new Scope(Set.of(), Set.of(name("set-b")), 0, null)))
        .isEmpty();
    assertThat(index().searchGlobal(query, 10, uploadsOf(name("rights"))))
        .extracting(GlobalHit::ref)
        .as("a tenant's uploads scope never includes references")
        .containsExactly(ownUpload.ref());
    assertThat(index()
            .searchLocal(
                descriptorsOf(reference.keypoints()),
                NEIGHBOURS,
                MAX_HAMMING,
                10,
                new Scope(Set.of(), Set.of(name("set-a")), 0, null)))
        .extracting(LocalVotes::ref)
        .containsExactly(reference.ref());
  }

  @Test
  void indexedSinceAndExcludeNarrowTheScope() {
    IndexedImage old = indexedAt(upload(name("t"), "old"), INDEXED_AT - 1);
    IndexedImage recent = withGlobal(
        indexedAt(upload(name("t"), "recent"), INDEXED_AT), old.globals().get(0));
    IndexedImage query = withGlobal(
        indexedAt(upload(name("t"), "query"), INDEXED_AT + 1), old.globals().get(0));
    write(old, recent, query);
    float[] vector = old.globals().get(0);

    assertThat(index()
            .searchGlobal(vector, 10, new Scope(Set.of(name("t")), Set.of(), INDEXED_AT, null)))
        .extracting(GlobalHit::ref)
        .containsExactlyInAnyOrder(recent.ref(), query.ref());
    assertThat(index()
            .searchGlobal(
                vector, 10, new Scope(Set.of(name("t")), Set.of(), INDEXED_AT, query.ref())))
        .extracting(GlobalHit::ref)
        .containsExactly(recent.ref());
    assertThat(index()
            .searchLocal(
                descriptorsOf(query.keypoints()),
                NEIGHBOURS,
                MAX_HAMMING,
                10,
                new Scope(Set.of(name("t")), Set.of(), 0, query.ref())))
        .isEmpty();
  }

  @Test
  void localVotesRankThePerturbedCopyFirst() {
    List<IndexedImage> images = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      images.add(upload(name("t"), "img-" + i));
    }
    write(images.toArray(IndexedImage[]::new));
    IndexedImage original = images.get(2);
    List<byte[]> perturbed = new ArrayList<>();
    for (byte[] descriptor : descriptorsOf(original.keypoints()).subList(0, KEYPOINTS / 2)) {
      perturbed.add(flipBits(descriptor, FLIPPED_BITS));
    }
    for (int i = 0; i < KEYPOINTS / 2; i++) {
      perturbed.add(randomBytes(BinaryDescriptors.BYTES));
    }

    List<LocalVotes> votes =
        index().searchLocal(perturbed, NEIGHBOURS, MAX_HAMMING, 10, uploadsOf(name("t")));

    assertThat(votes).isNotEmpty();
    assertThat(votes.get(0).ref()).isEqualTo(original.ref());
    assertThat(votes.get(0).votes()).isEqualTo(KEYPOINTS / 2);
    assertThat(votes.get(0).meta().purpose()).isEqualTo(Purpose.UPLOAD);
    assertThat(votes).allSatisfy(v -> assertThat(v.votes()).isLessThanOrEqualTo(perturbed.size()));
    assertThat(
            index().searchLocal(perturbed, NEIGHBOURS, FLIPPED_BITS - 1, 10, uploadsOf(name("t"))))
        .as("the Hamming cut-off is exact")
        .isEmpty();
  }

  /**
   * Rows tied at the farthest neighbour kept go to the smaller image key, whatever order the images were written in
   * and wherever they are stored (an older segment, the newest writes), so that the same upload gets the same votes in
   * every run.
   */
  @Test
  void tiesAtTheFarthestNeighbourGoToTheSmallerImageKeyWhateverTheOrderOfWrites() {
    byte[] shared = randomBytes(BinaryDescriptors.BYTES);
    for (List<String> order :
        List.of(List.of("tie-b", "tie-c", "tie-a"), List.of("tie-a", "tie-c", "tie-b"))) {
      String tenant = name("ties-" + order.get(0));
      for (String imageId : order) {
        write(upload(tenant, imageId).withKeypoints(oneKeypoint(shared)));
        index().commit();
      }
      List<byte[]> query = List.of(shared);

      List<LocalVotes> one = index().searchLocal(query, 1, MAX_HAMMING, 10, uploadsOf(tenant));
      List<LocalVotes> two = index().searchLocal(query, 2, MAX_HAMMING, 10, uploadsOf(tenant));

      assertThat(one)
          .as("written in the order %s", order)
          .extracting(v -> v.ref().imageId())
          .containsExactly("tie-a");
      assertThat(two)
          .as("written in the order %s", order)
          .extracting(v -> v.ref().imageId())
          .containsExactly("tie-a", "tie-b");
    }
  }

  private static StoredKeypoints oneKeypoint(byte[] descriptor) {
    return new StoredKeypoints(
        new float[] {10}, new float[] {20}, descriptor.clone(), BinaryDescriptors.BYTES);
  }

  @Test
  void keypointsRoundTripExactly() {
    IndexedImage image = upload(name("t"), "img-1");
    write(image);

    StoredKeypoints stored = index().keypoints(image.ref());

    assertThat(stored.xs()).containsExactly(image.keypoints().xs());
    assertThat(stored.ys()).containsExactly(image.keypoints().ys());
    assertThat(stored.descriptors()).containsExactly(image.keypoints().descriptors());
    assertThat(stored.descriptorBytes()).isEqualTo(BinaryDescriptors.BYTES);
    assertThat(index().keypoints(new ImageRef(name("t"), "missing")).size()).isZero();
  }

  @Test
  void emptyScopeFindsNothingAndBadInputIsRejected() {
    IndexedImage image = upload(name("t"), "img-1");
    write(image);
    Scope empty = new Scope(Set.of(), Set.of(), 0, null);

    assertThat(index().searchGlobal(image.globals().get(0), 10, empty)).isEmpty();
    assertThat(index()
            .searchLocal(descriptorsOf(image.keypoints()), NEIGHBOURS, MAX_HAMMING, 10, empty))
        .isEmpty();
    assertThatThrownBy(() -> index()
            .searchLocal(List.of(new byte[7]), NEIGHBOURS, MAX_HAMMING, 10, uploadsOf(name("t"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("32 bytes");
    assertThatThrownBy(() -> index().searchGlobal(image.globals().get(0), 0, uploadsOf(name("t"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * Ids and names longer than every backend can store (512 UTF-8 bytes: Milvus' VarChar) are bad input, refused before
   * anything is written: never an outage, which the matcher would retry forever.
   */
  @Test
  void namesOverTheIndexLimitsAreRefusedAsBadInputBeforeAnyWrite() {
    String tooLong = "\u00e9".repeat(257);
    List<IndexedImage> refused = List.of(
        upload(name("t"), tooLong),
        upload(tooLong, "img"),
        new IndexedImage(
            new ImageRef(name("t"), "holder"),
            Purpose.REFERENCE,
            tooLong,
            name("set"),
            INDEXED_AT,
            640,
            480,
            List.of(randomVector()),
            keypoints(KEYPOINTS)),
        new IndexedImage(
            new ImageRef(name("t"), "set"),
            Purpose.REFERENCE,
            "holder",
            tooLong,
            INDEXED_AT,
            640,
            480,
            List.of(randomVector()),
            keypoints(KEYPOINTS)));
    for (IndexedImage image : refused) {
      assertThatThrownBy(() -> index().upsert(image))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("512");
      assertThat(index().contains(new ImageRef(name("t"), "holder"))).isFalse();
    }
    assertThatThrownBy(() -> index().delete(new ImageRef(name("t"), tooLong)))
        .isInstanceOf(IllegalArgumentException.class);
    IndexedImage atTheLimit = upload(name("t"), "\u00e9".repeat(256));
    write(atTheLimit);
    assertThat(index().contains(atTheLimit.ref())).isTrue();
  }

  /**
   * A replayed record searches only what was written before its first attempt ({@code DualRetrievalMatcher}): a scope
   * bounded in writes admits only images first written before the bound, and the index tells when an image was written.
   */
  @Test
  void aScopeBoundedInWritesAdmitsOnlyImagesWrittenBeforeTheBound() {
    IndexedImage first = writtenAt(upload(name("t"), "first"), INDEXED_AT + 1_000);
    IndexedImage second = writtenAt(
        withGlobal(upload(name("t"), "second"), first.globals().get(0)), INDEXED_AT + 2_000);
    write(first, second);
    Scope bounded = uploadsOf(name("t")).writtenBefore(INDEXED_AT + 2_000);

    assertThat(index().searchGlobal(first.globals().get(0), 10, bounded))
        .extracting(GlobalHit::ref)
        .containsExactly(first.ref());
    assertThat(index().searchGlobal(first.globals().get(0), 10, uploadsOf(name("t"))))
        .extracting(GlobalHit::ref)
        .containsExactlyInAnyOrder(first.ref(), second.ref());
    assertThat(index()
            .searchLocal(descriptorsOf(second.keypoints()), NEIGHBOURS, MAX_HAMMING, 10, bounded))
        .extracting(LocalVotes::ref)
        .doesNotContain(second.ref());
    assertThat(index().meta(second.ref())).contains(second.meta());
    assertThat(index().meta(new ImageRef(name("t"), "missing"))).isEmpty();
  }

  @Test
  void anUploadsScopeHasNoTimeBoundAndAdmitsEveryIndexedImage() {
    IndexedImage ancient = indexedAt(upload(name("t"), "ancient"), -INDEXED_AT);
    IndexedImage recent = withGlobal(
        indexedAt(upload(name("t"), "recent"), INDEXED_AT), ancient.globals().get(0));
    write(ancient, recent);
    Scope allTime = new Scope(Set.of(name("t")), Set.of(), Scope.ALL_TIME, null);

    assertThat(index().searchGlobal(ancient.globals().get(0), 10, allTime))
        .extracting(GlobalHit::ref)
        .containsExactlyInAnyOrder(ancient.ref(), recent.ref());
    assertThat(index()
            .searchLocal(descriptorsOf(recent.keypoints()), NEIGHBOURS, MAX_HAMMING, 10, allTime))
        .extracting(LocalVotes::ref)
        .contains(recent.ref());
  }

  @Test
  void batchedCallsAnswerEachQuestionAsItsOwnCallDoes() {
    List<IndexedImage> images = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      images.add(upload(name("t"), "img-" + i));
    }
    write(images.toArray(IndexedImage[]::new));
    Scope scope = uploadsOf(name("t"));
    List<float[]> globals = List.of(
        noisy(images.get(1).globals().get(0)),
        noisy(images.get(3).globals().get(0)),
        randomVector());
    List<List<byte[]>> descriptorSets = List.of(
        descriptorsOf(images.get(0).keypoints()),
        List.of(),
        descriptorsOf(images.get(2).keypoints()).subList(0, KEYPOINTS / 3));
    ImageRef missing = new ImageRef(name("t"), "missing");
    List<ImageRef> refs =
        List.of(images.get(2).ref(), missing, images.get(0).ref(), images.get(2).ref());

    List<List<GlobalHit>> hits = index().searchGlobalBatch(globals, 3, scope);
    List<List<LocalVotes>> votes =
        index().searchLocalBatch(descriptorSets, NEIGHBOURS, MAX_HAMMING, 10, scope);
    Map<ImageRef, StoredKeypoints> keypoints = index().keypointsBatch(refs);

    assertThat(hits).hasSize(globals.size());
    assertThat(hits.get(0).get(0).ref()).isEqualTo(images.get(1).ref());
    assertThat(hits.get(1).get(0).ref()).isEqualTo(images.get(3).ref());
    for (int i = 0; i < globals.size(); i++) {
      assertThat(hits.get(i))
          .extracting(GlobalHit::ref)
          .containsExactlyElementsOf(index().searchGlobal(globals.get(i), 3, scope).stream()
              .map(GlobalHit::ref)
              .toList());
    }
    assertThat(votes).hasSize(descriptorSets.size());
    assertThat(votes.get(0).get(0))
        .extracting(LocalVotes::ref, LocalVotes::votes)
        .containsExactly(images.get(0).ref(), KEYPOINTS);
    assertThat(votes.get(1)).as("an empty set has no votes").isEmpty();
    assertThat(votes.get(2).get(0))
        .extracting(LocalVotes::ref, LocalVotes::votes)
        .containsExactly(images.get(2).ref(), KEYPOINTS / 3);
    for (int i = 0; i < descriptorSets.size(); i++) {
      assertThat(votes.get(i))
          .as("set %d counted on its own", i)
          .isEqualTo(
              index().searchLocal(descriptorSets.get(i), NEIGHBOURS, MAX_HAMMING, 10, scope));
    }
    assertThat(keypoints.keySet())
        .containsExactly(images.get(2).ref(), missing, images.get(0).ref());
    assertThat(keypoints.get(missing).size()).isZero();
    for (ImageRef ref : List.of(images.get(0).ref(), images.get(2).ref())) {
      StoredKeypoints alone = index().keypoints(ref);
      assertThat(keypoints.get(ref).xs()).containsExactly(alone.xs());
      assertThat(keypoints.get(ref).descriptors()).containsExactly(alone.descriptors());
    }
    assertThat(index().searchGlobalBatch(globals, 3, new Scope(Set.of(), Set.of(), 0, null)))
        .as("empty scope: one empty list per query")
        .containsExactly(List.of(), List.of(), List.of());
  }

  @Test
  void aBatchUpsertIndexesEveryImageAndReplacesTheOnesAlreadyThere() {
    IndexedImage kept = upload(name("t"), "kept");
    IndexedImage replaced = upload(name("t"), "replaced");
    write(kept, replaced);
    IndexedImage replacement = replaced.withKeypoints(keypoints(KEYPOINTS / 2));
    IndexedImage added = upload(name("t"), "added");

    index().upsertBatch(List.of(replacement, added));
    index().refresh();

    assertThat(index().keypoints(replaced.ref()).descriptors())
        .containsExactly(replacement.keypoints().descriptors());
    assertThat(index().keypoints(kept.ref()).descriptors())
        .containsExactly(kept.keypoints().descriptors());
    assertThat(index().searchGlobal(added.globals().get(0), 10, uploadsOf(name("t"))))
        .extracting(GlobalHit::ref)
        .containsExactlyInAnyOrder(added.ref(), kept.ref(), replaced.ref());
    assertThatThrownBy(() -> index().upsertBatch(List.of(added, added)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice");
  }

  @Test
  void globalVectorsAreTheLatestStoredOnesAtUnitLength() {
    IndexedImage strip = withGlobals(
        upload(name("t"), "strip"), List.of(randomVector(), randomVector(), randomVector()));
    IndexedImage replaced = upload(name("t"), "replaced");
    IndexedImage deleted = upload(name("t"), "deleted");
    index().upsertBatch(List.of(strip, replaced, deleted));
    index().refresh();
    IndexedImage replacement = withGlobal(replaced, randomVector());
    index().upsertBatch(List.of(replacement));
    index().delete(deleted.ref());
    IndexedImage recent = upload(name("t"), "recent");
    write(recent);
    ImageRef missing = new ImageRef(name("t"), "missing");

    Map<ImageRef, List<float[]>> vectors = index()
        .globalVectors(List.of(
            replaced.ref(), strip.ref(), missing, deleted.ref(), recent.ref(), strip.ref()));

    assertThat(vectors.keySet())
        .containsExactly(replaced.ref(), strip.ref(), missing, deleted.ref(), recent.ref());
    assertSameDirections(vectors.get(strip.ref()), strip.globals());
    assertSameDirections(vectors.get(replaced.ref()), replacement.globals());
    assertSameDirections(vectors.get(recent.ref()), recent.globals());
    assertThat(vectors.get(missing)).isEmpty();
    assertThat(vectors.get(deleted.ref())).as("a deleted image has no vectors").isEmpty();
    assertThat(index().globalVectors(List.of())).isEmpty();
  }

  /** {@code actual} holds, in any order, each of {@code expected} scaled to unit length. */
  private static void assertSameDirections(List<float[]> actual, List<float[]> expected) {
    assertThat(actual).hasSameSizeAs(expected);
    for (float[] vector : actual) {
      assertThat(VectorUtil.dotProduct(vector, vector)).isCloseTo(1f, within(1e-4f));
    }
    for (float[] vector : expected) {
      assertThat(actual)
          .as("a stored vector along each indexed one")
          .anySatisfy(
              stored -> assertThat(VectorUtil.cosine(stored, vector)).isGreaterThan(0.9999f));
    }
  }

  // ---- fixtures

  private void write(IndexedImage... images) {
    for (IndexedImage image : images) {
      index().upsert(image);
    }
    index().refresh();
  }

  public static Scope uploadsOf(String tenant) {
    return new Scope(Set.of(tenant), Set.of(), 0, null);
  }

  protected IndexedImage upload(String tenant, String imageId) {
    return new IndexedImage(
        new ImageRef(tenant, imageId),
        Purpose.UPLOAD,
        null,
        null,
        INDEXED_AT,
        640,
        480,
        List.of(randomVector()),
        keypoints(KEYPOINTS));
  }

  protected IndexedImage reference(String tenant, String imageId, String referenceSet) {
    return new IndexedImage(
        new ImageRef(tenant, imageId),
        Purpose.REFERENCE,
        "Rights Holder Ltd",
        referenceSet,
        INDEXED_AT,
        640,
        480,
        List.of(randomVector()),
        keypoints(KEYPOINTS));
  }

  private static IndexedImage withGlobal(IndexedImage image, float[] global) {
    return new IndexedImage(
        image.ref(),
        image.purpose(),
        image.rightsHolder(),
        image.referenceSet(),
        image.indexedAtMillis(),
        image.width(),
        image.height(),
        List.of(global),
        image.keypoints());
  }

  private static IndexedImage withGlobals(IndexedImage image, List<float[]> globals) {
    return new IndexedImage(
        image.ref(),
        image.purpose(),
        image.rightsHolder(),
        image.referenceSet(),
        image.indexedAtMillis(),
        image.width(),
        image.height(),
        globals,
        image.keypoints());
  }

  private static IndexedImage writtenAt(IndexedImage image, long millis) {
    return new IndexedImage(
        image.ref(),
        image.purpose(),
        image.rightsHolder(),
        image.referenceSet(),
        image.indexedAtMillis(),
        image.width(),
        image.height(),
        image.globals(),
        image.keypoints(),
        millis);
  }

  private static IndexedImage indexedAt(IndexedImage image, long millis) {
    return new IndexedImage(
        image.ref(),
        image.purpose(),
        image.rightsHolder(),
        image.referenceSet(),
        millis,
        image.width(),
        image.height(),
        image.globals(),
        image.keypoints());
  }

  public float[] randomVector() {
    float[] vector = new float[DIMENSIONS];
    for (int i = 0; i < DIMENSIONS; i++) {
      vector[i] = (float) random.nextGaussian();
    }
    return vector;
  }

  private float[] noisy(float[] vector) {
    float[] copy = vector.clone();
    for (int i = 0; i < copy.length; i++) {
      copy[i] += (float) (random.nextGaussian() * 0.05);
    }
    return copy;
  }

  protected StoredKeypoints keypoints(int count) {
    float[] xs = new float[count];
    float[] ys = new float[count];
    for (int i = 0; i < count; i++) {
      xs[i] = random.nextFloat() * 640;
      ys[i] = random.nextFloat() * 480;
    }
    return new StoredKeypoints(
        xs, ys, randomBytes(count * BinaryDescriptors.BYTES), BinaryDescriptors.BYTES);
  }

  private byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  private byte[] flipBits(byte[] descriptor, int bits) {
    byte[] copy = descriptor.clone();
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < BinaryDescriptors.BITS; i++) {
      positions.add(i);
    }
    java.util.Collections.shuffle(positions, random);
    for (int bit : positions.subList(0, bits)) {
      copy[bit / Byte.SIZE] ^= (byte) (1 << (bit % Byte.SIZE));
    }
    return copy;
  }

  public static List<byte[]> descriptorsOf(StoredKeypoints keypoints) {
    List<byte[]> descriptors = new ArrayList<>();
    for (int i = 0; i < keypoints.size(); i++) {
      byte[] descriptor = new byte[keypoints.descriptorBytes()];
      System.arraycopy(
          keypoints.descriptors(),
          i * keypoints.descriptorBytes(),
          descriptor,
          0,
          descriptor.length);
      descriptors.add(descriptor);
    }
    return descriptors;
  }
}
