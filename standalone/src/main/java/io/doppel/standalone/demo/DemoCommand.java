package io.doppel.standalone.demo;

import io.doppel.standalone.cli.Args;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/** {@code doppel demo}: the review console on the embedded stack, preloaded, until Ctrl-C. */
public final class DemoCommand {

  private static final int DEFAULT_PAIRS = 5;
  private static final int DEFAULT_PORT = 8090;
  private static final Duration STALL_TIMEOUT = Duration.ofMinutes(2);

  public static final String USAGE = """
      doppel demo [--port N] [--bind ADDR] [--pairs N] [--dev DIR]
        starts the embedded stack and the review console, registers a few references and uploads
        copies of them, then prints the console's sign-in link; runs until Ctrl-C
        --port N     console port (default 8090; 0 for any free port)
        --bind ADDR  console address (default 127.0.0.1)
        --pairs N    reference/copy pairs to preload (default 5)
        --dev DIR    DEV set to take them from (default ../shared/eval/dev; generated images if absent)
      """;

  private DemoCommand() {}

  public static int run(Args args, Path repositoryRoot) throws Exception {
    Demo.Options options = new Demo.Options(
        Path.of(args.string(
            "dev", repositoryRoot.resolve("../shared/eval/dev").normalize().toString())),
        args.integer("pairs", DEFAULT_PAIRS, 1),
        args.string("bind", "127.0.0.1"),
        args.integer("port", DEFAULT_PORT, 0));
    args.rejectUnknown();
    long started = System.nanoTime();
    System.err.println("doppel demo: starting the embedded stack and the review console...");
    try (Demo demo = Demo.start(options)) {
      System.err.printf(
          "doppel demo: stack up in %.1f s (%s); preloading %d %s pairs...%n",
          (System.nanoTime() - started) / 1e9,
          demo.stack().describe(),
          demo.samples().size(),
          demo.fromDev() ? "DEV" : "generated");
      demo.preload(STALL_TIMEOUT);
      System.out.printf(
          "%nReview console: %s%n  signs you in as \"%s\", a lead of every tenant, for a day%n  ready in %.1f s; Ctrl-C stops it%n",
          demo.url(), Demo.REVIEWER, (System.nanoTime() - started) / 1e9);
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      stop.await();
    }
    return 0;
  }
}
