package io.doppel.standalone;

import io.doppel.standalone.cli.Args;
import io.doppel.standalone.cli.UsageException;
import io.doppel.topology.config.ConfigReader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How to run the embedded stack.
 *
 * @param workDir where the broker's logs and the Lucene index live; null for a fresh temp dir
 * @param fileRoots folders that file:// upload sources may point into
 * @param index lucene (embedded) or milvus
 * @param milvusUri the Milvus endpoint when index is milvus
 * @param globalOnly global descriptor only: no local recall or verification
 * @param partitions partitions of every topic
 * @param policyFile the matcher's tenant policy; null for the embedded default (tenants eval and bench)
 * @param calibrationFile the matcher's score calibration; null for the environment's or the bundled one
 * @param extractorSettings extractor settings keyed as in its properties file (e.g. {@code model.manifest}), over the
 *     environment's; {@code config-file} names that file
 */
public record StackOptions(
    Path workDir,
    List<Path> fileRoots,
    String index,
    String milvusUri,
    boolean globalOnly,
    int partitions,
    Path policyFile,
    Path calibrationFile,
    Map<String, String> extractorSettings) {

  public static final String LUCENE = "lucene";
  public static final String MILVUS = "milvus";
  private static final int DEFAULT_PARTITIONS = 2;

  public StackOptions {
    fileRoots = List.copyOf(fileRoots);
    extractorSettings = Map.copyOf(extractorSettings);
    if (!index.equals(LUCENE) && !index.equals(MILVUS)) {
      throw new UsageException("--index must be lucene or milvus, got '" + index + "'");
    }
    if (index.equals(MILVUS) && (milvusUri == null || milvusUri.isBlank())) {
      throw new UsageException("--index milvus needs --milvus-uri (e.g. http://127.0.0.1:19530)");
    }
  }

  /** Reads the stack options every pipeline command shares. */
  public static StackOptions fromArgs(Args args, List<Path> fileRoots) {
    String work = args.string("work", null);
    Map<String, String> extractorSettings = new HashMap<>();
    String configFile = args.string("extractor-config", null);
    if (configFile != null) {
      extractorSettings.put(ConfigReader.CONFIG_FILE, configFile);
    }
    String model = args.string("model", null);
    if (model != null) {
      extractorSettings.put("model.manifest", Path.of(model).toAbsolutePath().toString());
    }
    return new StackOptions(
        work == null ? null : Path.of(work),
        fileRoots,
        args.string("index", LUCENE),
        args.string("milvus-uri", null),
        args.flag("global-only"),
        args.integer("partitions", DEFAULT_PARTITIONS, 1),
        args.string("policy", null) == null ? null : Path.of(args.string("policy", null)),
        args.string("calibration", null) == null ? null : Path.of(args.string("calibration", null)),
        extractorSettings);
  }
}
