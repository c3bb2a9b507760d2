package io.doppel.standalone;

import io.doppel.extractor.bench.ExtractorBenchmark;
import io.doppel.standalone.bench.BenchCommand;
import io.doppel.standalone.bench.IndexBenchmark;
import io.doppel.standalone.bench.SoakCommand;
import io.doppel.standalone.calibrate.CalibrateCommand;
import io.doppel.standalone.cli.Args;
import io.doppel.standalone.cli.CommandFailedException;
import io.doppel.standalone.cli.UsageException;
import io.doppel.standalone.demo.DemoCommand;
import io.doppel.standalone.eval.EvalCommand;
import io.doppel.standalone.reindex.ReindexCommand;
import io.doppel.standalone.tail.TailCommand;
import io.doppel.standalone.upload.UploadCommand;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** {@code ./doppel}: the single entry point. Exit status 0 ok, 1 failure, 2 usage error. */
public final class Doppel {

  private static final String USAGE = """
      usage: ./doppel <command> [options]

      commands:
        eval           index references, run queries, write query_id,reference_id,score rows
        bench          throughput and latency through the embedded pipeline; index latency vs size
        bench-extract  extractor throughput and per-phase latency over a folder of images
        bench-index    index query latency against index size, synthetic vectors
        soak           a steady upload rate for a long run, memory sampled: flat or leaking?
        reindex        backfill a new model version's index from the originals (model upgrades)
        calibrate      fit the score calibration on one half of eval candidates, report on the other
        demo           the review console on the embedded stack, preloaded with references and copies
        upload         send image files, folders or URLs to the uploads topic of any Doppel stack
        tail           print a stack's decisions as JSON lines, by kind and tenant
        help           this text

      """;

  private static final String BENCH_TOOLS_USAGE = """

      doppel bench-extract --images DIR [--device cpu|cuda] [--batch N] [--limit N] [--model MANIFEST] [--json]
      doppel bench-index [--backend lucene|milvus] [--sizes 10000,100000,1000000] [--milvus-uri URI] [--json]
                         [--local-sizes 2000,20000] [--keypoints 500] [--descriptors random|PHOTO_DIR]
                         [--descriptor-images 500] [--sample-flipped-bits 16] [--query-descriptors 200]
                         [--local-index bin_flat|bin_ivf_flat] [--local-nlist 1024] [--local-nprobes 8,32,128]
      """;

  private Doppel() {}

  /** The checkout ./doppel runs from (it sets the working directory); ../shared is looked up beside it. */
  private static Path repositoryRoot() {
    return Path.of("").toAbsolutePath();
  }

  /** The usage text of {@code command}, or null for an unknown one. */
  static String usageOf(String command) {
    return switch (command) {
      case "eval" -> EvalCommand.USAGE;
      case "bench" -> BenchCommand.USAGE;
      case "bench-extract", "bench-index" -> BENCH_TOOLS_USAGE.stripLeading();
      case "soak" -> SoakCommand.USAGE;
      case "reindex" -> ReindexCommand.USAGE;
      case "calibrate" -> CalibrateCommand.USAGE;
      case "demo" -> DemoCommand.USAGE;
      case "upload" -> UploadCommand.USAGE;
      case "tail" -> TailCommand.USAGE;
      default -> null;
    };
  }

  public static void main(String[] argv) {
    System.exit(run(argv));
  }

  static int run(String[] argv) {
    String command = argv.length == 0 ? "help" : argv[0];
    List<String> rest = Arrays.asList(argv).subList(Math.min(1, argv.length), argv.length);
    if (rest.contains("--help") || rest.contains("-h")) {
      String usage = usageOf(command);
      if (usage != null) {
        System.out.print(usage);
        return 0;
      }
    }
    try {
      return switch (command) {
        case "eval" -> EvalCommand.run(Args.parse(rest, Set.of("global-only")));
        case "bench" -> BenchCommand.run(Args.parse(rest, Set.of("json")), repositoryRoot());
        case "soak" -> SoakCommand.run(Args.parse(rest, Set.of("json")), repositoryRoot());
        case "reindex" -> ReindexCommand.run(Args.parse(rest, Set.of("force")));
        case "calibrate" -> CalibrateCommand.run(Args.parse(rest, Set.of("held-out")));
        case "bench-extract" ->
          ExtractorBenchmark.run(rest.toArray(String[]::new), System.out, System.err);
        case "bench-index" -> {
          IndexBenchmark.main(rest.toArray(String[]::new));
          yield 0;
        }
        case "demo" -> DemoCommand.run(Args.parse(rest, Set.of()), repositoryRoot());
        case "upload" -> UploadCommand.run(Args.parseWithOperands(rest, Set.of()));
        case "tail" -> TailCommand.run(Args.parse(rest, Set.of("from-beginning")));
        case "help", "--help", "-h" -> {
          System.out.print(USAGE + EvalCommand.USAGE + "\n" + BenchCommand.USAGE + BENCH_TOOLS_USAGE
              + "\n" + SoakCommand.USAGE + "\n" + ReindexCommand.USAGE + "\n"
              + CalibrateCommand.USAGE + "\n" + DemoCommand.USAGE + "\n" + UploadCommand.USAGE
              + "\n" + TailCommand.USAGE);
          yield 0;
        }
        default -> throw new UsageException("unknown command '" + command + "'");
      };
    } catch (CommandFailedException e) {
      System.err.println("doppel " + command + " failed: " + e.getMessage());
      return 1;
    } catch (UsageException e) {
      System.err.println("doppel " + command + ": " + e.getMessage());
      System.err.println("run './doppel help' for usage");
      return 2;
    } catch (Exception e) {
      System.err.println("doppel " + command + " failed: " + e.getMessage());
      e.printStackTrace(System.err);
      return 1;
    }
  }
}
