package io.doppel.extractor.pipeline;

import io.doppel.topology.intake.SourceUrls;
import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.descriptor.ModelBundle;
import io.doppel.extractor.descriptor.OnnxDescriptorModel;
import io.doppel.extractor.local.LocalFeatures;
import io.doppel.extractor.local.OrbLocalFeatures;
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
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
    this.decoder = new ImageDecoder(config.decode().maxPixels(), config.decode().timeout());
    this.planner = new ViewPlanner(config.views(), config.local());
    this.localFeatures = new OrbLocalFeatures(config.local());
    this.modelInfo = new ModelInfo(bundle.manifest().id(), bundle.manifest().version(), bundle.dimension(),
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

  /** Like {@link #extract} with each image's phase timings. */
  public List<TimedExtraction> extractTimed(List<UploadEvent> events) {
    // One fetch deadline for the whole batch: its uploads are fetched by then however many hosts stall and however few
    // workers there are, well inside the transaction timeout (FetchSettings.deadline; guarded by FetchDeadlineTest).
    long fetchDeadline = System.nanoTime() + fetchDeadlineNanos;
    List<Prepared> prepared = inParallel(events, event -> prepare(event, fetchDeadline));
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
    long modelNanosPerView = samples.isEmpty() ? 0 : (System.nanoTime() - modelStart) / samples.size();
    List<Described> described = new ArrayList<>(prepared.size());
    int next = 0;
    for (Prepared p : prepared) {
      if (p.failure() != null) {
        described.add(new Described(p, null, p.failure()));
      } else if (modelFailure != null) {
        described.add(new Described(p, null, new Extraction.Failed(DeadLetterReason.MODEL_ERROR, modelFailure)));
      } else {
        List<float[]> own = new ArrayList<>();
        for (PlannedView view : p.views()) {
          // A flip-invariant model gives the mirror the same vector as the full view: no model call for it.
          own.add(sharesFullGlobal(view) ? own.getFirst() : vectors[next++]);
        }
        described.add(new Described(p.withModelNanos(modelNanosPerView * p.tensors().size()), own, null));
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

  private record Prepared(UploadEvent event, ImageDecoder.Decoded decoded, List<PlannedView> views, List<float[]> tensors,
      Extraction.Failed failure, PhaseTimings timings) {
    Prepared withModelNanos(long modelNanos) {
      return new Prepared(event, decoded, views, tensors, failure,
          new PhaseTimings(timings.fetchNanos(), timings.decodeNanos(), timings.preprocessNanos(), modelNanos, 0));
    }
  }

  private record Described(Prepared prepared, List<float[]> globals, Extraction.Failed failure) {}

  private Prepared prepare(UploadEvent event, long fetchDeadline) {
    long start = System.nanoTime();
    long fetchNanos = 0;
    long decodeNanos = 0;
    try {
      byte[] bytes = fetcher.fetch(event, fetchDeadline);
      fetchNanos = System.nanoTime() - start;
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
      PhaseTimings timings = new PhaseTimings(fetchNanos, decodeNanos, System.nanoTime() - preprocessStart, 0, 0);
      return new Prepared(event, decoded, views, tensors, null, timings);
    } catch (ImageRejectedException e) {
      return failed(event, new Extraction.Failed(e.reason(), e.getMessage()), fetchNanos, decodeNanos);
    } catch (RuntimeException e) {
      return failed(event, new Extraction.Failed(DeadLetterReason.CORRUPT, "image could not be prepared: " + e), fetchNanos, decodeNanos);
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
      boolean withMirror = view.kind() == ViewKind.FULL && next != null && next.kind() == ViewKind.MIRROR
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
        OrbLocalFeatures.WithMirror both = localFeatures.describeWithMirror(view.pixels(), view.content(), view.maxKeypoints());
        features = List.of(both.view(), both.mirror());
      } else {
        features = List.of(localFeatures.describe(view.pixels(), view.content(), view.maxKeypoints()));
      }
      return new LocalResult(features, null, System.nanoTime() - start);
    } catch (RuntimeException e) {
      return new LocalResult(List.of(), e, System.nanoTime() - start);
    }
  }

  private boolean sharesFullGlobal(PlannedView view) {
    return view.kind() == ViewKind.MIRROR && model.manifest().flipInvariant();
  }

  private static Prepared failed(UploadEvent event, Extraction.Failed failure, long fetchNanos, long decodeNanos) {
    return new Prepared(event, null, List.of(), List.of(), failure, new PhaseTimings(fetchNanos, decodeNanos, 0, 0, 0));
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
        return new TimedExtraction(new Extraction.Failed(DeadLetterReason.MODEL_ERROR, "local features failed: " + local.failure()),
            p.timings());
      }
      viewLocals.addAll(local.features());
    }
    List<FeatureView> views = new ArrayList<>(p.views().size());
    for (int i = 0; i < p.views().size(); i++) {
      PlannedView view = p.views().get(i);
      LocalFeatures local = viewLocals.get(i);
      views.add(new FeatureView(view.kind(), view.region(), boxed(described.globals().get(i)), local.keypoints(),
          ByteBuffer.wrap(local.descriptors()), local.descriptorBytes()));
    }
    PhaseTimings t = p.timings();
    PhaseTimings timings = new PhaseTimings(t.fetchNanos(), t.decodeNanos(), t.preprocessNanos(), t.modelNanos(), localNanos);
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
    List<CompletableFuture<R>> futures = items.stream().map(item -> CompletableFuture.supplyAsync(() -> work.apply(item), workers)).toList();
    return futures.stream().map(CompletableFuture::join).toList();
  }

  @Override
  public void close() {
    workers.shutdownNow();
    fetcher.close();
    model.close();
  }
}
