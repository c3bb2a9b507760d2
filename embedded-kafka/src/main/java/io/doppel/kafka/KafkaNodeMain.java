package io.doppel.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Entry point of one node's child JVM: formats the node's storage on first start, then runs
 * {@code kafka.Kafka}. The node exits when its parent's end of stdin closes, so a parent that dies
 * (even by SIGKILL) never leaves a broker running.
 *
 * <p>Arguments: {@code <server.properties> <cluster id> <metadata log dir>}.
 */
public final class KafkaNodeMain {

  private static final String FORMATTED_MARKER = "meta.properties";

  private KafkaNodeMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      throw new IllegalArgumentException(
          "usage: KafkaNodeMain <server.properties> <cluster id> <metadata log dir>");
    }
    String properties = args[0];
    String clusterId = args[1];
    Path metadataDir = Path.of(args[2]);
    exitWhenParentGoes();
    if (!Files.exists(metadataDir.resolve(FORMATTED_MARKER))) {
      int status = kafka.tools.StorageTool.execute(
          new String[] {"format", "-t", clusterId, "-c", properties, "--ignore-formatted"},
          System.out);
      if (status != 0) {
        System.err.println("storage format failed with status " + status);
        System.exit(status);
      }
    }
    kafka.Kafka.main(new String[] {properties});
  }

  private static void exitWhenParentGoes() {
    Thread watchdog = new Thread(
        () -> {
          InputStream in = System.in;
          try {
            while (in.read() >= 0) {
              // The parent never writes; any byte is ignored, only end-of-stream matters.
            }
          } catch (IOException e) {
            // A broken pipe means the same as end-of-stream: the parent is gone.
          }
          System.err.println("parent process gone: shutting down");
          System.exit(0);
        },
        "parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }
}
