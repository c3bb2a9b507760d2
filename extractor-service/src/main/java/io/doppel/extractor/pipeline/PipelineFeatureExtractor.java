package io.doppel.extractor.pipeline;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.descriptor.ModelBundle;
import io.doppel.extractor.descriptor.OnnxDescriptorModel;
import io.doppel.extractor.local.LocalFeatures;
import io.doppel.extractor.local.OrbLocalFeatures;
import io.doppel.image.ContentDigest;
import io.doppel.image.ImageRejectedException;
import io.doppel.image.decode.ImageDecoder;
import io.doppel.image.fetch.ImageFetcher;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.FeatureView;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.Metric;
import io.doppel.schemas.avro.ModelInfo;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.avro.ViewKind;
import io.doppel.schemas.serde.ContractClassTrust;
import io.doppel.topology.extract.Extraction;
import io.doppel.topology.extract.FeatureExtractor;
import io.doppel.topology.intake.SourceUrls;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The extraction stage: fetch → decode → views → one batched model call for every view of every
 * image → local features. Fetch and decode run per image on a small worker pool, local features per view on the
 * same pool (a strip's tiles in parallel); the model call is shared.
 * A bad image becomes {@link Extraction.Failed}; only an unusable model stops construction.
 */
public final class PipelineFeatureExtractor implements FeatureExtractor {

  private final ImageFetcher fetcher;
  /** Whether features carry the source as sent; else as {@link SourceUrls#redacted} (guarded by SignedSourcesStayOutOfOutputsTest). */
  private final boolean keepSourceQueries;

  private final long fetchDeadlineNanos;
  private final long maxPixels;
  /** Heap that decoded images may hold until their model call, all batches together. */
  private final long memoryBudgetBytes;
  /** {@link #memoryBudgetBytes} in KiB: a chunk of a batch takes its estimate before decoding and returns it after. */
  private final Semaphore memory;

  private final ImageDecoder decoder;
  private final ViewPlanner planner;
  private final OnnxDescriptorModel model;
  private final OrbLocalFeatures localFeatures;
  private final ModelInfo modelInfo;
  private final ExecutorService workers;

  /** Loads the model named by {@code model.manifest}. */
  public PipelineFeatureExtractor(ExtractorConfig config) {
    this(config, ModelBundle.load(config.model().manifest()));
  }

  public PipelineFeatureExtractor(ExtractorConfig config, ModelBundle bundle) {
    ContractClassTrust.trustContracts();
    this.model = new OnnxDescriptorModel(bundle, config.model());
    this.fetcher = new ImageFetcher(config.fetch());
    this.keepSourceQueries = config.keepSourceQueries();
    this.fetchDeadlineNanos = config.fetch().deadline().toNanos();
    this.maxPixels = config.decode().maxPixels();
    this.memoryBudgetBytes = Runtime.getRuntime().maxMemory() / 100 * config.memoryBudgetPercent();
    this.memory = new Semaphore(kibibytes(memoryBudgetBytes), true);
    this.decoder = new ImageDecoder(config.decode().maxPixels(), config.decode().timeout());
    this.planner = new ViewPlanner(config.views(), config.local());
    this.localFeatures = new OrbLocalFeatures(config.local());
    this.modelInfo = new ModelInfo(
        bundle.manifest().id(),
        bundle.manifest().version(),
        bundle.dimension(),
        Metric.valueOf(bundle.manifest().metric().name()));
    AtomicInteger threadNumber = new AtomicInteger();
    this.workers = Executors.newFixedThreadPool(config.workerThreads(), runnable -> {
      Thread thread = new Thread(runnable, "doppel-extractor-" + threadNumber.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Where the model runs: "cpu" or "cuda". */
  public String device() {
    return model.device();
  }

  public ModelInfo modelInfo() {
    return modelInfo;
  }

  @Override
  public List<Extraction> extract(List<UploadEvent> events) {
    return extractTimed(events).stream().map(TimedExtraction::extraction).toList();
  }

  /**
   * Heap one decoded pixel may cost until the model call: the decoded BGR image (3 B), the planned views' copies (mirror,
   * crops, tiles: up to about 3 B more), a 16-bit or alpha PNG's raster while it is converted (up to 8 B, freed before
   * the views), with room to spare. Measured: a 40-megapixel image held 300 to 420 MB.
   */
  static final long BYTES_PER_DECODED_PIXEL = 12;

  /**
   * Like {@link #extract} with each image's phase timings.
   *
   * <p>Memory: every image of a model call stays decoded until that call, so a batch is run in chunks whose estimated
   * decoded size ({@link #BYTES_PER_DECODED_PIXEL} per pixel the header states, plus the fetched bytes) fits the memory
   * budget ({@code pipeline.memory-budget-percent} of the heap), each chunk taking its estimate from the budget, which
   * all batches share, before decoding and returning it once its features are done. An image whose estimate alone
   * exceeds the budget is TOO_MANY_PIXELS. So a burst of small, highly compressed huge images ends as features and dead
   * letters, never as an OutOfMemoryError that would kill the pod and, the batch restored from its changelog, kill it
   * again. Features do not depend on how a batch is chunked. Guarded by {@code BurstOfHugeImagesIT} (-Xmx1g).
   */
  public List<TimedExtraction> extractTimed(List<UploadEvent> events) {
    // One fetch deadline for the whole batch: its uploads are fetched by then however many hosts
    // stall and however few
    // workers there are, well inside the transaction timeout (FetchSettings.deadline; guarded by
    // FetchDeadlineTest).
    long fetchDeadline = System.nanoTime() + fetchDeadlineNanos;
    List<Fetched> fetched =
        new ArrayList<>(inParallel(events, event -> fetch(event, fetchDeadline)));
    TimedExtraction[] results = new TimedExtraction[events.size()];
    List<Integer> chunk = new ArrayList<>();
    long chunkCost = 0;
    for (int i = 0; i < fetched.size(); i++) {
      Fetched f = fetched.get(i);
      if (f.failure() != null) {
        results[i] = new TimedExtraction(f.failure(), new PhaseTimings(f.fetchNanos(), 0, 0, 0, 0));
        fetched.set(i, null);
        continue;
      }
      if (f.cost() > memoryBudgetBytes) {
        results[i] = new TimedExtraction(
            new Extraction.Failed(
                DeadLetterReason.TOO_MANY_PIXELS,
                "decoding needs about "
                    + f.cost() / (1024 * 1024) + " MiB, above the extractor's memory budget of "
                    + memoryBudgetBytes / (1024 * 1024)
                    + " MiB (pipeline.memory-budget-percent of the heap)"),
            new PhaseTimings(f.fetchNanos(), 0, 0, 0, 0));
        fetched.set(i, null);
        continue;
      }
      if (!chunk.isEmpty() && chunkCost + f.cost() > memoryBudgetBytes) {
        runChunk(chunk, chunkCost, fetched, results);
        chunk.clear();
        chunkCost = 0;
      }
      chunk.add(i);
      chunkCost += f.cost();
    }
    if (!chunk.isEmpty()) {
      runChunk(chunk, chunkCost, fetched, results);
    }
    return List.of(results);
  }

  /** An upload's bytes, what decoding them is estimated to cost, or why it could not be fetched. */
  private record Fetched(
      UploadEvent event, byte[] bytes, long cost, Extraction.Failed failure, long fetchNanos) {}

  private Fetched fetch(UploadEvent event, long fetchDeadline) {
    long start = System.nanoTime();
    try {
      byte[] bytes = fetcher.fetch(event, fetchDeadline);
      long fetchNanos = System.nanoTime() - start;
      // an image over decode.max-pixels, or without a readable header, is refused by the decoder
      // before any pixel
      long pixels = decoder
          .probe(bytes)
          .map(ImageDecoder.Size::pixels)
          .filter(p -> p <= maxPixels)
          .orElse(0L);
      return new Fetched(
          event, bytes, bytes.length + pixels * BYTES_PER_DECODED_PIXEL, null, fetchNanos);
    } catch (ImageRejectedException e) {
      return new Fetched(
          event,
          null,
          0,
          new Extraction.Failed(e.reason(), e.getMessage()),
          System.nanoTime() - start);
    } catch (RuntimeException e) {
      return new Fetched(
          event,
          null,
          0,
          new Extraction.Failed(DeadLetterReason.CORRUPT, "image could not be prepared: " + e),
          System.nanoTime() - start);
    }
  }

  private static int kibibytes(long bytes) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, (bytes + 1023) / 1024));
  }

  /** The chunk {@code indices} of {@code fetched}, holding its estimate of the memory budget while it runs. */
  private void runChunk(
      List<Integer> indices, long cost, List<Fetched> fetched, TimedExtraction[] results) {
    int permits = Math.min(kibibytes(cost), kibibytes(memoryBudgetBytes));
    memory.acquireUninterruptibly(permits);
    try {
      List<Fetched> members = new ArrayList<>(indices.size());
      for (int i : indices) {
        members.add(fetched.get(i));
        fetched.set(i, null);
      }
      List<TimedExtraction> done = extractFetched(members);
      for (int k = 0; k < indices.size(); k++) {
        results[indices.get(k)] = done.get(k);
      }
    } finally {
      memory.release(permits);
    }
  }

  /** One model call for {@code members}: decode, plan, describe, local features. */
  private List<TimedExtraction> extractFetched(List<Fetched> members) {
    List<Prepared> prepared = inParallel(members, this::prepare);
    List<float[]> samples = new ArrayList<>();
    for (Prepared p : prepared) {
      if (p.failure() == null) {
        samples.addAll(p.tensors());
      }
    }
    long modelStart = System.nanoTime();
    float[][] vectors;
    String modelFailure = null;
    try {
      vectors = samples.isEmpty() ? new float[0][] : model.embed(samples);
    } catch (Exception e) {
      vectors = null;
      modelFailure = "model run failed: " + e.getMessage();
    }
    long modelNanosPerView =
        samples.isEmpty() ? 0 : (System.nanoTime() - modelStart) / samples.size();
    List<Described> described = new ArrayList<>(prepared.size());
    int next = 0;
    for (Prepared p : prepared) {
      if (p.failure() != null) {
        described.add(new Described(p, null, p.failure()));
      } else if (modelFailure != null) {
        described.add(new Described(
            p, null, new Extraction.Failed(DeadLetterReason.MODEL_ERROR, modelFailure)));
      } else {
        List<float[]> own = new ArrayList<>();
        for (PlannedView view : p.views()) {
          own.add(sharesFullGlobal(view) ? own.getFirst() : vectors[next++]);
        }
        described.add(
            new Described(p.withModelNanos(modelNanosPerView * p.tensors().size()), own, null));
      }
    }
    List<LocalTask> tasks = new ArrayList<>();
    for (int i = 0; i < described.size(); i++) {
      if (described.get(i).failure() == null) {
        tasks.addAll(localTasks(i, described.get(i).prepared().views()));
      }
    }
    List<LocalResult> results = inParallel(tasks, task -> runLocal(described, task));
    List<List<LocalResult>> perImage = new ArrayList<>(described.size());
    described.forEach(d -> perImage.add(new ArrayList<>()));
    for (int t = 0; t < tasks.size(); t++) {
      perImage.get(tasks.get(t).image()).add(results.get(t));
    }
    List<TimedExtraction> extractions = new ArrayList<>(described.size());
    for (int i = 0; i < described.size(); i++) {
      extractions.add(finish(described.get(i), perImage.get(i)));
    }
    return extractions;
  }

  /** @param sha256 the digest of the fetched bytes, which the features carry; null when it failed */
  private record Prepared(
      UploadEvent event,
      String sha256,
      ImageDecoder.Decoded decoded,
      List<PlannedView> views,
      List<float[]> tensors,
      Extraction.Failed failure,
      PhaseTimings timings) {
    Prepared withModelNanos(long modelNanos) {
      return new Prepared(
          event,
          sha256,
          decoded,
          views,
          tensors,
          failure,
          new PhaseTimings(
              timings.fetchNanos(),
              timings.decodeNanos(),
              timings.preprocessNanos(),
              modelNanos,
              0));
    }
  }

  private record Described(Prepared prepared, List<float[]> globals, Extraction.Failed failure) {}

  private Prepared prepare(Fetched fetched) {
    UploadEvent event = fetched.event();
    long fetchNanos = fetched.fetchNanos();
    long decodeNanos = 0;
    try {
      byte[] bytes = fetched.bytes();
      long decodeStart = System.nanoTime();
      ImageDecoder.Decoded decoded = decoder.decode(bytes);
      decodeNanos = System.nanoTime() - decodeStart;
      long preprocessStart = System.nanoTime();
      List<PlannedView> views = planner.plan(decoded.image(), event.getPurpose());
      List<float[]> tensors = new ArrayList<>(views.size());
      for (PlannedView view : views) {
        if (!sharesFullGlobal(view)) {
          tensors.add(model.preprocessor().toTensor(view.pixels()));
        }
      }
      PhaseTimings timings =
          new PhaseTimings(fetchNanos, decodeNanos, System.nanoTime() - preprocessStart, 0, 0);
      // Hashed here, from the very bytes decoded, so the digest names what was analysed.
      return new Prepared(
          event, ContentDigest.sha256(bytes), decoded, views, tensors, null, timings);
    } catch (ImageRejectedException e) {
      return failed(
          event, new Extraction.Failed(e.reason(), e.getMessage()), fetchNanos, decodeNanos);
    } catch (RuntimeException e) {
      return failed(
          event,
          new Extraction.Failed(DeadLetterReason.CORRUPT, "image could not be prepared: " + e),
          fetchNanos,
          decodeNanos);
    }
  }

  /**
   * One unit of local-feature work: a single view, or a FULL view with the MIRROR planned right after it, which comes
   * from FULL's detections. Units run in parallel across every image of the batch, so that a strip's twenty tiles
   * use every worker, not one.
   */
  private record LocalTask(int image, int firstView, boolean withMirror) {}

  /** What one {@link LocalTask} produced: one or two views' features, or why it failed, and how long it took. */
  private record LocalResult(List<LocalFeatures> features, RuntimeException failure, long nanos) {}

  private static List<LocalTask> localTasks(int image, List<PlannedView> views) {
    List<LocalTask> tasks = new ArrayList<>(views.size());
    for (int i = 0; i < views.size(); i++) {
      PlannedView view = views.get(i);
      PlannedView next = i + 1 < views.size() ? views.get(i + 1) : null;
      boolean withMirror = view.kind() == ViewKind.FULL
          && next != null
          && next.kind() == ViewKind.MIRROR
          && next.maxKeypoints() == view.maxKeypoints();
      tasks.add(new LocalTask(image, i, withMirror));
      if (withMirror) {
        i++;
      }
    }
    return tasks;
  }

  private LocalResult runLocal(List<Described> described, LocalTask task) {
    long start = System.nanoTime();
    PlannedView view = described.get(task.image()).prepared().views().get(task.firstView());
    try {
      List<LocalFeatures> features;
      if (task.withMirror()) {
        OrbLocalFeatures.WithMirror both =
            localFeatures.describeWithMirror(view.pixels(), view.content(), view.maxKeypoints());
        features = List.of(both.view(), both.mirror());
      } else {
        features =
            List.of(localFeatures.describe(view.pixels(), view.content(), view.maxKeypoints()));
      }
      return new LocalResult(features, null, System.nanoTime() - start);
    } catch (RuntimeException e) {
      return new LocalResult(List.of(), e, System.nanoTime() - start);
    }
  }

  /** A flip-invariant model's MIRROR vector, and DENSE's always, equal FULL's: no model call for them. */
  private boolean sharesFullGlobal(PlannedView view) {
    return view.dense() || (view.kind() == ViewKind.MIRROR && model.manifest().flipInvariant());
  }

  private static Prepared failed(
      UploadEvent event, Extraction.Failed failure, long fetchNanos, long decodeNanos) {
    return new Prepared(
        event,
        null,
        null,
        List.of(),
        List.of(),
        failure,
        new PhaseTimings(fetchNanos, decodeNanos, 0, 0, 0));
  }

  /** The image's ImageFeatures from its globals and its views' local features ({@code locals}, in view order). */
  private TimedExtraction finish(Described described, List<LocalResult> locals) {
    Prepared p = described.prepared();
    if (described.failure() != null) {
      return new TimedExtraction(described.failure(), p.timings());
    }
    long localNanos = locals.stream().mapToLong(LocalResult::nanos).sum();
    List<LocalFeatures> viewLocals = new ArrayList<>(p.views().size());
    for (LocalResult local : locals) {
      if (local.failure() != null) {
        return new TimedExtraction(
            new Extraction.Failed(
                DeadLetterReason.MODEL_ERROR, "local features failed: " + local.failure()),
            p.timings());
      }
      viewLocals.addAll(local.features());
    }
    List<FeatureView> views = new ArrayList<>(p.views().size());
    for (int i = 0; i < p.views().size(); i++) {
      PlannedView view = p.views().get(i);
      LocalFeatures local = viewLocals.get(i);
      views.add(new FeatureView(
          view.kind(),
          view.region(),
          boxed(described.globals().get(i)),
          local.keypoints(),
          ByteBuffer.wrap(local.descriptors()),
          local.descriptorBytes()));
    }
    PhaseTimings t = p.timings();
    PhaseTimings timings = new PhaseTimings(
        t.fetchNanos(), t.decodeNanos(), t.preprocessNanos(), t.modelNanos(), localNanos);
    UploadEvent e = p.event();
    ImageFeatures features = ImageFeatures.newBuilder()
        .setTenant(e.getTenant())
        .setImageId(e.getImageId())
        .setPurpose(e.getPurpose())
        .setUploader(e.getUploader())
        .setRightsHolder(e.getRightsHolder())
        .setReferenceSet(e.getReferenceSet())
        .setSource(keepSourceQueries ? e.getSource() : SourceUrls.redacted(e.getSource()))
        .setUploadedAt(e.getUploadedAt())
        .setWidth(p.decoded().image().width())
        .setHeight(p.decoded().image().height())
        .setFormat(p.decoded().format().label())
        .setModel(ModelInfo.newBuilder(modelInfo).build())
        .setLocalExtractor(OrbLocalFeatures.NAME)
        .setViews(views)
        .setStageMicros(timings.stageMicros())
        .setExtractedAt(Instant.now())
        .setContentSha256(p.sha256())
        .build();
    return new TimedExtraction(new Extraction.Extracted(features), timings);
  }

  private static List<Float> boxed(float[] vector) {
    List<Float> list = new ArrayList<>(vector.length);
    for (float v : vector) {
      list.add(v);
    }
    return list;
  }

  private <T, R> List<R> inParallel(List<T> items, Function<T, R> work) {
    if (items.size() <= 1) {
      return items.stream().map(work).toList();
    }
    List<CompletableFuture<R>> futures = items.stream()
        .map(item -> CompletableFuture.supplyAsync(() -> work.apply(item), workers))
        .toList();
    return futures.stream().map(CompletableFuture::join).toList();
  }

  @Override
  public void close() {
    workers.shutdownNow();
    fetcher.close();
    model.close();
  }
}
