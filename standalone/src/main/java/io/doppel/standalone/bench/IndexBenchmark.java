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
import io.doppel.matcher.index.Scope;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.matcher.index.VectorIndex;
import io.doppel.matcher.index.VectorIndexes;
import io.doppel.schemas.avro.Purpose;
import io.doppel.topology.config.ConfigReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Synthetic benchmark of a {@link VectorIndex}: {@code searchGlobal} latency (p50/p99) as the index
 * grows, with random unit vectors, and {@code searchLocal} latency at a smaller size with random
 * ORB-like descriptors; bytes per image of the committed index on disk for Lucene.
 *
 * <pre>
 * IndexBenchmark --backend lucene|milvus --sizes 10000,100000 [--json] [--dimensions 256] [--k 100]
 *     [--queries 200] [--local-images 2000] [--keypoints 500] [--local-queries 20] [--query-descriptors 200]
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
      double indexingImagesPerSecond,
      Double recallAt1) {}

  private record Options(
      String backend,
      List<Integer> sizes,
      boolean json,
      int dimensions,
      int k,
      int queries,
      int localImages,
      int keypoints,
      int localQueries,
      int queryDescriptors,
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
          "%-7s %-13s %10s %8s %9s %9s %9s %13s %11s %9s%n",
          "backend",
          "operation",
          "images",
          "queries",
          "p50 ms",
          "p99 ms",
          "mean ms",
          "bytes/image",
          "indexed/s",
          "recall@1");
    }
    try {
      globalGrowth(options, dir.resolve("global"), report);
      if (options.localImages() > 0) {
        report.accept(local(options, dir.resolve("local")));
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
        "%-7s %-13s %10d %8d %9.2f %9.2f %9.2f %13s %11.0f %9s%n",
        r.backend(),
        r.operation(),
        r.indexedImages(),
        r.queries(),
        r.p50Millis(),
        r.p99Millis(),
        r.meanMillis(),
        r.bytesPerImage() == null ? "n/a" : String.format("%.0f", r.bytesPerImage()),
        r.indexingImagesPerSecond(),
        r.recallAt1() == null ? "-" : String.format("%.2f", r.recallAt1()));
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
    try (VectorIndex index = open(options, dir, "bench-global")) {
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
        report.accept(result(
            options.backend(),
            "searchGlobal",
            indexed,
            nanos,
            bytesPerImage(index, indexed),
            indexed / (indexingNanos / NANOS_PER_MILLI / 1000)));
      }
    }
  }

  private static Result local(Options options, Path dir) {
    Random random = new Random(SEED + 1);
    try (VectorIndex index = open(options, dir, "bench-local")) {
      List<StoredKeypoints> stored = new ArrayList<>();
      long start = System.nanoTime();
      List<IndexedImage> batch = new ArrayList<>(LOCAL_LOAD_BATCH);
      for (int i = 0; i < options.localImages(); i++) {
        StoredKeypoints keypoints = randomKeypoints(random, options.keypoints());
        if (i < options.localQueries() + WARM_UP_QUERIES) {
          stored.add(keypoints);
        }
        batch.add(image(i, unitVector(random, options.dimensions()), keypoints));
        if (batch.size() == LOCAL_LOAD_BATCH || i == options.localImages() - 1) {
          index.upsertBatch(batch);
          batch.clear();
        }
      }
      index.refresh();
      index.commit();
      double indexedPerSecond =
          options.localImages() / ((System.nanoTime() - start) / NANOS_PER_MILLI / 1000);
      List<List<byte[]>> queries = new ArrayList<>();
      for (StoredKeypoints keypoints : stored) {
        List<byte[]> descriptors = new ArrayList<>();
        for (int d = 0; d < options.queryDescriptors(); d++) {
          byte[] descriptor = Arrays.copyOfRange(
              keypoints.descriptors(),
              (d % keypoints.size()) * BinaryDescriptors.BYTES,
              (d % keypoints.size() + 1) * BinaryDescriptors.BYTES);
          for (int flip = 0; flip < FLIPPED_BITS; flip++) {
            int bit = random.nextInt(BinaryDescriptors.BITS);
            descriptor[bit / Byte.SIZE] ^= (byte) (1 << (bit % Byte.SIZE));
          }
          descriptors.add(descriptor);
        }
        queries.add(descriptors);
      }
      Scope scope = new Scope(Set.of(TENANT), Set.of(), 0, null);
      long[] nanos = time(
          queries,
          descriptors ->
              index.searchLocal(descriptors, NEIGHBOURS, MAX_HAMMING, MAX_IMAGES, scope));
      int found = 0;
      for (int q = 0; q < queries.size(); q++) {
        List<LocalVotes> votes =
            index.searchLocal(queries.get(q), NEIGHBOURS, MAX_HAMMING, MAX_IMAGES, scope);
        found += !votes.isEmpty() && votes.get(0).ref().imageId().equals("img-" + q) ? 1 : 0;
      }
      Result timed = result(
          options.backend(),
          "searchLocal",
          options.localImages(),
          nanos,
          bytesPerImage(index, options.localImages()),
          indexedPerSecond);
      return new Result(
          timed.backend(),
          timed.operation(),
          timed.indexedImages(),
          timed.queries(),
          timed.p50Millis(),
          timed.p99Millis(),
          timed.meanMillis(),
          timed.bytesPerImage(),
          timed.indexingImagesPerSecond(),
          (double) found / queries.size());
    }
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
        indexedPerSecond,
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

  /** A fresh index of the chosen backend, read as the matcher reads its own (the Milvus token from the environment). */
  private static VectorIndex open(Options options, Path dir, String model) {
    Map<String, String> overrides = new HashMap<>();
    overrides.put("matcher.index", options.backend());
    overrides.put("model.id", model);
    overrides.put("model.version", Long.toString(System.currentTimeMillis()));
    overrides.put("model.dimension", String.valueOf(options.dimensions()));
    // the Lucene reader rejects Milvus settings as unknown: the URI is passed only to the backend
    // that reads it
    // (guarded by IndexBenchmarkTest)
    if (options.backend().equals("milvus") && options.milvusUri() != null) {
      overrides.put("milvus.uri", options.milvusUri());
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

  private static StoredKeypoints randomKeypoints(Random random, int count) {
    float[] xs = new float[count];
    float[] ys = new float[count];
    for (int i = 0; i < count; i++) {
      xs[i] = random.nextFloat() * 640;
      ys[i] = random.nextFloat() * 480;
    }
    byte[] descriptors = new byte[count * BinaryDescriptors.BYTES];
    random.nextBytes(descriptors);
    return new StoredKeypoints(xs, ys, descriptors, BinaryDescriptors.BYTES);
  }

  private static Options parse(String[] args) {
    Map<String, String> values = new HashMap<>(Map.of(
        "--backend",
        "lucene",
        "--sizes",
        "10000,100000",
        "--dimensions",
        "256",
        "--k",
        "100",
        "--queries",
        "200",
        "--local-images",
        "2000",
        "--keypoints",
        "500",
        "--local-queries",
        "20",
        "--query-descriptors",
        "200",
        "--milvus-uri",
        "http://127.0.0.1:19530"));
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
    List<Integer> sizes = Arrays.stream(values.get("--sizes").split(","))
        .map(String::trim)
        .map(Integer::parseInt)
        .sorted()
        .toList();
    return new Options(
        values.get("--backend"),
        sizes,
        json,
        Integer.parseInt(values.get("--dimensions")),
        Integer.parseInt(values.get("--k")),
        Integer.parseInt(values.get("--queries")),
        Integer.parseInt(values.get("--local-images")),
        Integer.parseInt(values.get("--keypoints")),
        Integer.parseInt(values.get("--local-queries")),
        Integer.parseInt(values.get("--query-descriptors")),
        values.containsKey("--dir") ? Path.of(values.get("--dir")) : null,
        values.get("--milvus-uri"));
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
