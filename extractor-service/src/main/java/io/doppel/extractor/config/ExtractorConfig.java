package io.doppel.extractor.config;

import io.doppel.image.fetch.FetchSettings;
import io.doppel.topology.config.ConfigReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the extractor does to images, validated once at start-up: the settings {@code extractor.*}, read by {@link
 * ConfigReader} (variable {@code DOPPEL_EXTRACTOR_FETCH_MAX_BYTES} for {@code extractor.fetch.max-bytes}, or the key
 * {@code fetch.max-bytes} in the file named by {@code DOPPEL_EXTRACTOR_CONFIG_FILE}). How the service reaches Kafka
 * is {@link io.doppel.extractor.service.ServiceSettings}. Every setting is listed in docs/configuration.md.
 */
public record ExtractorConfig(
    FetchSettings fetch,
    Decode decode,
    Model model,
    Local local,
    Views views,
    int workerThreads,
    boolean keepSourceQueries,
    int memoryBudgetPercent) {

  /** The program name of the extractor's settings: {@code extractor.*}, {@code DOPPEL_EXTRACTOR_*}. */
  public static final String PROGRAM = "extractor";

  public static final String BUILT_IN_MANIFEST = "classpath:models/doppel-copy-v2/manifest.json";
  private static final int CPUS = Runtime.getRuntime().availableProcessors();

  /** {@code timeout}: the longest one image's decoding may take before it is rejected as TIMEOUT. */
  public record Decode(long maxPixels, Duration timeout) {}

  /** {@code manifest}: a filesystem path to manifest.json, or {@code classpath:} followed by a resource path. */
  public record Model(
      String manifest,
      Device device,
      int cudaDeviceId,
      int batchSize,
      int intraOpThreads,
      int interOpThreads) {}

  public enum Device {
    CPU,
    CUDA
  }

  /**
   * @param borderMargin keypoints closer than this (pixels at the working size, times the keypoint's pyramid scale) to an
   *     edge where a view's content meets a uniform border are dropped: they describe the border (0 keeps them)
   * @param denseMaxKeypoints keypoints of an upload's DENSE view: the whole image again, query-side only, with enough
   *     keypoints that a copy filling a tenth of a layout still holds dozens (see {@code ViewPlanner}); 0 for none
   * @param demoteText keypoints on two-toned patches (text, drawn UI) are chosen only where nothing else is left (see
   *     {@code TextKeypoints})
   */
  public record Local(
      int maxKeypoints,
      int tileMaxKeypoints,
      int regionMaxKeypoints,
      int denseMaxKeypoints,
      int workingSize,
      double maxUpscale,
      int gridCells,
      double borderMargin,
      boolean demoteText) {}

  /**
   * @param centreCropShare share of the width and of the height the centred CROP view keeps (1 = no such view)
   * @param borderCrop add a CROP view of the content inside uniform borders, where there are such borders
   * @param borderTolerance largest channel difference from the border (or gutter) colour that still counts as border
   * @param stripPanels add a TILE view per panel between a strip's uniform gutters
   * @param maxRegions most REGION views (photo-like parts of a layout, see {@code RegionProposer}) per image; 0 for none
   * @param rectifyTilted add CROP views of a picture photographed at an angle (a screen, a print), seen straight on
   *     ({@code TiltedPicture})
   */
  public record Views(
      boolean mirror,
      double tileAspect,
      int maxTiles,
      double centreCropShare,
      boolean borderCrop,
      int borderTolerance,
      boolean stripPanels,
      int maxRegions,
      boolean rectifyTilted) {}

  /** Reads the process environment (and the properties file it names), validating everything. */
  public static ExtractorConfig fromEnvironment() {
    return fromEnvironment(Map.of());
  }

  /** Like {@link #fromEnvironment()}, with {@code overrides} (keys as in the properties file) taking precedence. */
  public static ExtractorConfig fromEnvironment(Map<String, String> overrides) {
    return fromEnvironment(System.getenv(), overrides);
  }

  /** The settings of {@code environment} (and the file it names), with {@code overrides} taking precedence. */
  public static ExtractorConfig fromEnvironment(
      Map<String, String> environment, Map<String, String> overrides) {
    ConfigReader reader = ConfigReader.of(PROGRAM, environment, overrides);
    ExtractorConfig config = read(reader);
    reader.finish();
    return config;
  }

  /** These settings with {@code roots} added to the folders file:// sources may read (a command's input folders). */
  public ExtractorConfig withFileRoots(List<Path> roots) {
    return new ExtractorConfig(
        fetch.withFileRoots(roots),
        decode,
        model,
        local,
        views,
        workerThreads,
        keepSourceQueries,
        memoryBudgetPercent);
  }

  /** Defaults plus the given overrides, keyed like the properties file ({@code model.batch-size}). */
  public static ExtractorConfig of(Map<String, String> overrides) {
    ConfigReader reader = ConfigReader.ofOverrides(PROGRAM, overrides);
    ExtractorConfig config = read(reader);
    reader.finish();
    return config;
  }

  public static ExtractorConfig defaults() {
    return of(Map.of());
  }

  /** The image-work settings ({@code extractor.*}) from {@code reader}; problems are left in the reader. */
  public static ExtractorConfig read(ConfigReader reader) {
    ConfigReader r = reader.section(PROGRAM);
    FetchSettings fetch = FetchSettings.read(r);
    Decode decode = new Decode(
        r.whole("decode.max-pixels", 40_000_000L, 1, Integer.MAX_VALUE),
        r.millis(
            "decode.timeout-ms",
            Duration.ofSeconds(10),
            Duration.ofMillis(1),
            Duration.ofMinutes(10)));
    Model model = new Model(
        r.string("model.manifest", BUILT_IN_MANIFEST),
        r.choice("model.device", Device.CPU, Device.class),
        r.integer("model.cuda-device-id", 0, 0, 64),
        r.integer("model.batch-size", 32, 1, 4096),
        r.integer("model.intra-op-threads", CPUS, 1, 1024),
        r.integer("model.inter-op-threads", 1, 1, 1024));
    Local local = new Local(
        r.integer("local.max-keypoints", 150, 0, 10_000),
        r.integer("local.tile-max-keypoints", 300, 0, 10_000),
        r.integer("local.region-max-keypoints", 150, 0, 10_000),
        r.integer("local.dense-max-keypoints", 1000, 0, 10_000),
        r.integer("local.working-size", 640, 64, 8192),
        r.decimal("local.max-upscale", 4.0, 1.0, 8.0),
        r.integer("local.grid-cells", 4, 1, 32),
        r.decimal("local.border-margin", 6.0, 0.0, 64.0),
        r.bool("local.demote-text", true));
    Views views = new Views(
        r.bool("views.mirror", true),
        r.decimal("views.tile-aspect", 2.5, 1.0, 1000),
        r.integer("views.max-tiles", 16, 2, 256),
        r.decimal("views.centre-crop-share", 0.75, 0.3, 1.0),
        r.bool("views.border-crop", true),
        r.integer("views.border-tolerance", 24, 0, 255),
        r.bool("views.strip-panels", true),
        r.integer("views.max-regions", 6, 0, 32),
        r.bool("views.rectify-tilted", true));
    int workers = r.integer("pipeline.worker-threads", CPUS, 1, 1024);
    // false: features (and so match events) carry a source without its query, where signed URLs
    // keep their secret
    boolean keepSourceQueries = r.bool("keep-source-queries", false);
    // the share of the heap that images decoded for a model call may take, all batches together
    // (PipelineFeatureExtractor)
    int memoryBudgetPercent = r.integer("pipeline.memory-budget-percent", 40, 1, 90);
    return new ExtractorConfig(
        fetch, decode, model, local, views, workers, keepSourceQueries, memoryBudgetPercent);
  }
}
