package io.doppel.standalone.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.doppel.matcher.MatcherConfig;
import io.doppel.matcher.index.BinaryDescriptors;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexConfig;
import io.doppel.matcher.index.IndexSupport;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.LocalVotes;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.index.VectorIndexes;
import io.doppel.matcher.index.milvus.MilvusIndexConfig;
import io.doppel.matcher.index.milvus.MilvusVectorIndex;
import io.doppel.schemas.avro.Purpose;
import io.doppel.topology.config.ConfigReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Synthetic benchmark of a {@link VectorIndex} as it grows: {@code searchGlobal} latency (p50/p99) with random unit
 * vectors, and {@code searchLocal} latency and recall@1 with random descriptors or descriptors sampled from ORB on real
 * photos ({@link KeypointSource}); bytes per image of the committed index on disk and, for Lucene, on the heap.
 *
 * <pre>
 * IndexBenchmark --backend lucene|milvus --sizes 10000,100000 [--json] [--dimensions 256] [--k 100]
 *     [--queries 200] [--local-sizes 2000,20000] [--keypoints 500] [--local-queries 20] [--query-descriptors 200]
 *     [--descriptors random|PHOTO_DIR] [--descriptor-images 500] [--sample-flipped-bits 16]
 *     [--local-index bin_flat|bin_ivf_flat] [--local-nlist 1024] [--local-nprobes 8,32,128] (Milvus)
 *     [--dir PATH] [--milvus-uri http://host:19530] (token from DOPPEL_MILVUS_TOKEN)
 * </pre>
 */
public final class IndexBenchmark {

  private static final String TENANT = "bench";
  private static final long SEED = 20261122L;
  private static final int NEIGHBOURS = 2;
  private static final int MAX_HAMMING = 64;
  private static final int MAX_IMAGES = 50;
  private static final int FLIPPED_BITS = 8;
  private static final double P50 = 0.50;
  private static final double P99 = 0.99;
  private static final double NANOS_PER_MILLI = 1e6;
  private static final int WARM_UP_QUERIES = 10;
  /** Images per upsertBatch while loading: one round trip per batch on Milvus. */
  private static final int LOAD_BATCH = 1_000;
  /** Images per upsertBatch in the keypoint index (each with hundreds of keypoint rows). */
  private static final int LOCAL_LOAD_BATCH = 50;

  private static final long PROGRESS_EVERY_NANOS = 10_000_000_000L;
  /** How long Milvus may take to build the keypoint index after a load before the bench measures anyway. */
  private static final Duration INDEX_BUILD_TIMEOUT = Duration.ofMinutes(30);

  /** One measurement row. */
  public record Result(
      String backend,
      String operation,
      int indexedImages,
      int queries,
      double p50Millis,
      double p99Millis,
      double meanMillis,
      Double bytesPerImage,
      Double heapBytesPerImage,
      double indexingImagesPerSecond,
      Double recallAt1,
      Integer nprobe) {

    /** This row with the index's bytes per image on disk and on the heap (null where not measured). */
    Result withMemory(Double bytes, Double heap) {
      return new Result(
          backend,
          operation,
          indexedImages,
          queries,
          p50Millis,
          p99Millis,
          meanMillis,
          bytes,
          heap,
          indexingImagesPerSecond,
          recallAt1,
          nprobe);
    }

    /** This row with its recall@1 and the probes it was measured at (null where not applicable). */
    Result withRecall(Double recall, Integer probes) {
      return new Result(
          backend,
          operation,
          indexedImages,
          queries,
          p50Millis,
          p99Millis,
          meanMillis,
          bytesPerImage,
          heapBytesPerImage,
          indexingImagesPerSecond,
          recall,
          probes);
    }
  }

  private record Options(
      String backend,
      List<Integer> sizes,
      boolean json,
      int dimensions,
      int k,
      int queries,
      List<Integer> localSizes,
      int keypoints,
      int localQueries,
      int queryDescriptors,
      Path descriptorFolder,
      String localIndex,
      int localNlist,
      List<Integer> localNprobes,
      int descriptorImages,
      int sampleFlippedBits,
      Path dir,
      String milvusUri) {}

  private IndexBenchmark() {}

  public static void main(String[] args) throws IOException {
    Options options = parse(args);
    List<Result> results = new ArrayList<>();
    Path dir =
        options.dir() != null ? options.dir() : Files.createTempDirectory("doppel-index-bench-");
    Consumer<Result> report = result -> {
      results.add(result);
      if (!options.json()) {
        printRow(result);
      }
    };
    if (!options.json()) {
      System.out.printf(
          "%-7s %-13s %10s %8s %9s %9s %9s %13s %11s %11s %9s %6s%n",
          "backend",
          "operation",
          "images",
          "queries",
          "p50 ms",
          "p99 ms",
          "mean ms",
          "bytes/image",
          "heap/image",
          "indexed/s",
          "recall@1",
          "nprobe");
    }
    try {
      globalGrowth(options, dir.resolve("global"), report);
      if (!options.localSizes().isEmpty()) {
        localGrowth(options, dir.resolve("local"), report);
      }
    } finally {
      if (options.dir() == null) {
        deleteRecursively(dir);
      }
    }
    if (options.json()) {
      System.out.println(new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .writeValueAsString(results));
    }
  }

  private static void printRow(Result r) {
    System.out.printf(
        "%-7s %-13s %10d %8d %9.2f %9.2f %9.2f %13s %11s %11.0f %9s %6s%n",
        r.backend(),
        r.operation(),
        r.indexedImages(),
        r.queries(),
        r.p50Millis(),
        r.p99Millis(),
        r.meanMillis(),
        r.bytesPerImage() == null ? "n/a" : String.format("%.0f", r.bytesPerImage()),
        r.heapBytesPerImage() == null ? "n/a" : String.format("%.0f", r.heapBytesPerImage()),
        r.indexingImagesPerSecond(),
        r.recallAt1() == null ? "-" : String.format("%.2f", r.recallAt1()),
        r.nprobe() == null ? "-" : r.nprobe());
    System.out.flush();
  }

  private static void globalGrowth(Options options, Path dir, Consumer<Result> report) {
    Random random = new Random(SEED);
    long[] printedAt = {System.nanoTime()};
    java.util.function.IntConsumer progress = loaded -> {
      if (System.nanoTime() - printedAt[0] >= PROGRESS_EVERY_NANOS) {
        printedAt[0] = System.nanoTime();
        System.err.printf("bench-index: %s: %,d images loaded%n", options.backend(), loaded);
      }
    };
    long heapBefore = usedHeapAfterGc();
    try (VectorIndex index = open(
        options,
        dir,
        new ModelKey("bench-global", Long.toString(System.currentTimeMillis())),
        MilvusIndexConfig.DEFAULT_LOCAL_NPROBE)) {
      int indexed = 0;
      long indexingNanos = 0;
      for (int size : options.sizes()) {
        long start = System.nanoTime();
        List<IndexedImage> batch = new ArrayList<>(LOAD_BATCH);
        for (; indexed < size; indexed++) {
          batch.add(
              image(indexed, unitVector(random, options.dimensions()), StoredKeypoints.EMPTY));
          if (batch.size() == LOAD_BATCH || indexed == size - 1) {
            index.upsertBatch(batch);
            batch.clear();
            progress.accept(indexed + 1);
          }
        }
        index.refresh();
        indexingNanos += System.nanoTime() - start;
        List<float[]> queries = new ArrayList<>();
        for (int q = 0; q < options.queries() + WARM_UP_QUERIES; q++) {
          queries.add(unitVector(random, options.dimensions()));
        }
        Scope scope = new Scope(Set.of(TENANT), Set.of(), 0, null);
        long[] nanos = time(queries, query -> index.searchGlobal(query, options.k(), scope));
        Result timed = result(
            options.backend(),
            "searchGlobal",
            indexed,
            nanos,
            bytesPerImage(index, indexed),
            indexed / (indexingNanos / NANOS_PER_MILLI / 1000));
        report.accept(
            timed.withMemory(timed.bytesPerImage(), heapPerImage(options, heapBefore, indexed)));
      }
    }
  }

  /**
   * {@code searchLocal} latency, recall@1 and memory as one keypoint index grows through the local sizes. The query of
   * image {@code q} is its own stored descriptors with {@value #FLIPPED_BITS} bits flipped in each, so recall@1 asks
   * whether an image's own keypoints still outvote every other image's at that size.
   */
  private static void localGrowth(Options options, Path dir, Consumer<Result> report) {
    KeypointSource source = options.descriptorFolder() == null
        ? KeypointSource.random(SEED + 1)
        : KeypointSource.sampledFrom(
            options.descriptorFolder(),
            options.descriptorImages(),
            options.keypoints(),
            options.sampleFlippedBits(),
            SEED + 1);
    System.err.println("bench-index: local recall over " + source.description());
    Random random = new Random(SEED + 2);
    int queried = options.localQueries() + WARM_UP_QUERIES;
    long heapBefore = usedHeapAfterGc();
    ModelKey localModel = new ModelKey("bench-local", Long.toString(System.currentTimeMillis()));
    try (VectorIndex index =
        open(options, dir, localModel, MilvusIndexConfig.DEFAULT_LOCAL_NPROBE)) {
      List<StoredKeypoints> stored = new ArrayList<>();
      int indexed = 0;
      long loadingNanos = 0;
      long[] printedAt = {System.nanoTime()};
      for (int size : options.localSizes()) {
        long start = System.nanoTime();
        List<IndexedImage> batch = new ArrayList<>(LOCAL_LOAD_BATCH);
        for (; indexed < size; indexed++) {
          StoredKeypoints keypoints = source.next(options.keypoints());
          if (indexed < queried) {
            stored.add(keypoints);
          }
          batch.add(image(indexed, unitVector(random, options.dimensions()), keypoints));
          if (batch.size() == LOCAL_LOAD_BATCH || indexed == size - 1) {
            index.upsertBatch(batch);
            batch.clear();
            if (System.nanoTime() - printedAt[0] >= PROGRESS_EVERY_NANOS) {
              printedAt[0] = System.nanoTime();
              System.err.printf(
                  "bench-index: %s: %,d images' keypoints loaded%n",
                  options.backend(), indexed + 1);
            }
          }
        }
        index.refresh();
        index.commit();
        loadingNanos += System.nanoTime() - start;
        List<List<byte[]>> queries = new ArrayList<>();
        for (StoredKeypoints keypoints : stored) {
          byte[] descriptors = new byte[options.queryDescriptors() * BinaryDescriptors.BYTES];
          for (int d = 0; d < options.queryDescriptors(); d++) {
            System.arraycopy(
                keypoints.descriptors(),
                (d % keypoints.size()) * BinaryDescriptors.BYTES,
                descriptors,
                d * BinaryDescriptors.BYTES,
                BinaryDescriptors.BYTES);
            source.flip(descriptors, d, FLIPPED_BITS);
          }
          List<byte[]> split = new ArrayList<>();
          for (int d = 0; d < options.queryDescriptors(); d++) {
            split.add(Arrays.copyOfRange(
                descriptors, d * BinaryDescriptors.BYTES, (d + 1) * BinaryDescriptors.BYTES));
          }
          queries.add(split);
        }
        double loadedPerSecond = indexed / (loadingNanos / NANOS_PER_MILLI / 1000);
        if (index instanceof MilvusVectorIndex milvus
            && !milvus.sealAndAwaitIndexes(INDEX_BUILD_TIMEOUT)) {
          System.err.println("bench-index: milvus had not indexed every keypoint row within "
              + INDEX_BUILD_TIMEOUT + "; the newest rows are searched by brute force");
        }
        for (Integer nprobe : probeSettings(options)) {
          // another handle on the same collections, searching with other probes
          try (VectorIndex searcher =
              nprobe == null ? null : open(options, dir, localModel, nprobe)) {
            VectorIndex searched = searcher == null ? index : searcher;
            Result measured = measureLocal(options, searched, queries, indexed, loadedPerSecond);
            report.accept(measured
                .withMemory(
                    bytesPerImage(index, indexed), heapPerImage(options, heapBefore, indexed))
                .withRecall(measured.recallAt1(), nprobe));
          }
        }
      }
    }
  }

  /** One timed pass of the queries over {@code index}, and the share whose own image came first. */
  private static Result measureLocal(
      Options options,
      VectorIndex index,
      List<List<byte[]>> queries,
      int indexed,
      double loadedPerSecond) {
    Scope scope = new Scope(Set.of(TENANT), Set.of(), 0, null);
    long[] nanos = time(
        queries,
        descriptors -> index.searchLocal(descriptors, NEIGHBOURS, MAX_HAMMING, MAX_IMAGES, scope));
    int found = 0;
    for (int q = 0; q < queries.size(); q++) {
      List<LocalVotes> votes =
          index.searchLocal(queries.get(q), NEIGHBOURS, MAX_HAMMING, MAX_IMAGES, scope);
      found += !votes.isEmpty() && votes.get(0).ref().imageId().equals("img-" + q) ? 1 : 0;
    }
    return result(options.backend(), "searchLocal", indexed, nanos, null, loadedPerSecond)
        .withRecall((double) found / queries.size(), null);
  }

  /** The probe counts to measure: each of {@code --local-nprobes} for Milvus' BIN_IVF_FLAT; else one pass (null). */
  private static List<Integer> probeSettings(Options options) {
    boolean ivf = options.backend().equals("milvus")
        && options.localIndex().equalsIgnoreCase(MilvusIndexConfig.LocalIndex.BIN_IVF_FLAT.name());
    return ivf ? options.localNprobes() : java.util.Collections.singletonList(null);
  }

  /**
   * The heap this JVM holds per indexed image beyond what it held before the index opened, for the embedded backend
   * (Milvus holds its index in another process: null). Measured after a full collection, with the index open and
   * searched once, so it counts what a loaded index keeps on the heap (for Lucene: the keypoint buckets and the
   * open segments' readers), not the memory-mapped files.
   */
  private static Double heapPerImage(Options options, long heapBefore, int images) {
    if (!options.backend().equals("lucene")) {
      return null;
    }
    return (double) Math.max(0, usedHeapAfterGc() - heapBefore) / images;
  }

  /** The heap in use once the garbage is collected (two requests: one may leave objects that await finalisation). */
  private static long usedHeapAfterGc() {
    Runtime runtime = Runtime.getRuntime();
    for (int i = 0; i < 2; i++) {
      System.gc();
    }
    return runtime.totalMemory() - runtime.freeMemory();
  }

  private static <Q> long[] time(List<Q> queries, Consumer<Q> search) {
    long[] nanos = new long[queries.size() - WARM_UP_QUERIES];
    for (int i = 0; i < queries.size(); i++) {
      long start = System.nanoTime();
      search.accept(queries.get(i));
      if (i >= WARM_UP_QUERIES) {
        nanos[i - WARM_UP_QUERIES] = System.nanoTime() - start;
      }
    }
    return nanos;
  }

  private static Result result(
      String backend,
      String operation,
      int images,
      long[] nanos,
      Double bytesPerImage,
      double indexedPerSecond) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    double mean = Arrays.stream(sorted).average().orElse(0) / NANOS_PER_MILLI;
    return new Result(
        backend,
        operation,
        images,
        sorted.length,
        percentile(sorted, P50),
        percentile(sorted, P99),
        mean,
        bytesPerImage,
        null,
        indexedPerSecond,
        null,
        null);
  }

  private static double percentile(long[] sorted, double p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)]
        / NANOS_PER_MILLI;
  }

  private static Double bytesPerImage(VectorIndex index, int images) {
    OptionalLong bytes = index.committedBytesOnDisk();
    return bytes.isPresent() ? (double) bytes.getAsLong() / images : null;
  }

  /**
   * The index of {@code model} (created when new) of the chosen backend, read as the matcher reads its own (the Milvus
   * token from the environment); {@code nprobe} only for Milvus' BIN_IVF_FLAT.
   */
  private static VectorIndex open(Options options, Path dir, ModelKey model, int nprobe) {
    Map<String, String> overrides = new HashMap<>();
    overrides.put("matcher.index", options.backend());
    overrides.put("model.id", model.modelId());
    overrides.put("model.version", model.modelVersion());
    overrides.put("model.dimension", String.valueOf(options.dimensions()));
    // the Lucene reader rejects Milvus settings as unknown: the URI is passed only to the backend
    // that reads it
    // (guarded by IndexBenchmarkTest)
    if (options.backend().equals("milvus") && options.milvusUri() != null) {
      overrides.put("milvus.uri", options.milvusUri());
    }
    if (options.backend().equals("milvus")) {
      overrides.put("milvus.local-index", options.localIndex());
      overrides.put("milvus.local-nlist", String.valueOf(options.localNlist()));
      overrides.put("milvus.local-nprobe", String.valueOf(nprobe));
    }
    ConfigReader reader = ConfigReader.of(MatcherConfig.PROGRAM, System.getenv(), overrides);
    IndexConfig config = MatcherConfig.readIndex(reader, dir);
    reader.finish();
    return VectorIndexes.open(config);
  }

  private static IndexedImage image(int i, float[] global, StoredKeypoints keypoints) {
    return new IndexedImage(
        new ImageRef(TENANT, "img-" + i),
        Purpose.UPLOAD,
        null,
        null,
        i,
        640,
        480,
        List.of(global),
        keypoints);
  }

  private static float[] unitVector(Random random, int dimensions) {
    float[] vector = new float[dimensions];
    for (int i = 0; i < dimensions; i++) {
      vector[i] = (float) random.nextGaussian();
    }
    return IndexSupport.unitVector(vector);
  }

  private static Options parse(String[] args) {
    Map<String, String> values = new HashMap<>(Map.ofEntries(
        Map.entry("--backend", "lucene"),
        Map.entry("--sizes", "10000,100000"),
        Map.entry("--dimensions", "256"),
        Map.entry("--k", "100"),
        Map.entry("--queries", "200"),
        Map.entry("--local-sizes", "2000"),
        Map.entry("--descriptors", "random"),
        Map.entry("--descriptor-images", "500"),
        Map.entry("--sample-flipped-bits", "16"),
        Map.entry("--keypoints", "500"),
        Map.entry("--local-index", "bin_flat"),
        Map.entry("--local-nlist", "1024"),
        Map.entry("--local-nprobes", "32"),
        Map.entry("--local-queries", "20"),
        Map.entry("--query-descriptors", "200"),
        Map.entry("--milvus-uri", "http://127.0.0.1:19530")));
    boolean json = false;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--json")) {
        json = true;
      } else if (values.containsKey(args[i]) || args[i].equals("--dir")) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(args[i] + " needs a value");
        }
        values.put(args[i], args[++i]);
      } else {
        throw new IllegalArgumentException(
            "unknown option " + args[i] + "; known: " + values.keySet() + ", --dir, --json");
      }
    }
    List<Integer> sizes = sizes(values.get("--sizes"));
    List<Integer> localSizes = sizes(values.get("--local-sizes"));
    int localQueries = Integer.parseInt(values.get("--local-queries"));
    if (!localSizes.isEmpty() && localSizes.get(0) < localQueries + WARM_UP_QUERIES) {
      throw new IllegalArgumentException("the smallest local size must hold the "
          + (localQueries + WARM_UP_QUERIES) + " images queried (--local-queries + "
          + WARM_UP_QUERIES + " warm-up), got " + localSizes.get(0));
    }
    String descriptors = values.get("--descriptors");
    return new Options(
        values.get("--backend"),
        sizes,
        json,
        Integer.parseInt(values.get("--dimensions")),
        Integer.parseInt(values.get("--k")),
        Integer.parseInt(values.get("--queries")),
        localSizes,
        Integer.parseInt(values.get("--keypoints")),
        localQueries,
        Integer.parseInt(values.get("--query-descriptors")),
        descriptors.equals("random") ? null : Path.of(descriptors),
        values.get("--local-index"),
        Integer.parseInt(values.get("--local-nlist")),
        sizes(values.get("--local-nprobes")),
        Integer.parseInt(values.get("--descriptor-images")),
        Integer.parseInt(values.get("--sample-flipped-bits")),
        values.containsKey("--dir") ? Path.of(values.get("--dir")) : null,
        values.get("--milvus-uri"));
  }

  /** A comma-separated list of image counts, ascending; "0" alone: none. */
  private static List<Integer> sizes(String list) {
    List<Integer> sizes = Arrays.stream(list.split(","))
        .map(String::trim)
        .map(Integer::parseInt)
        .filter(size -> size != 0)
        .sorted()
        .toList();
    if (sizes.stream().anyMatch(size -> size < 0)) {
      throw new IllegalArgumentException("sizes must be positive, got " + list);
    }
    return sizes;
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(IndexBenchmark::deleteQuietly);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressFBWarnings(
      value = "RV_RETURN_VALUE_IGNORED_BAD_PRACTICE",
      justification = "best-effort removal of the benchmark's scratch folder")
  private static void deleteQuietly(Path path) {
    path.toFile().delete();
  }
}
