package io.doppel.review;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.review.http.Reviewers;
import io.doppel.schemas.Topics;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the console as a service, configured from the environment:
 *
 * <pre>
 * DOPPEL_REVIEW_BOOTSTRAP_SERVERS   Kafka bootstrap servers (required)
 * DOPPEL_REVIEW_SCHEMA_REGISTRY_URL schema registry (required; DOPPEL_REVIEW_SCHEMA_REGISTRY_BEARER_TOKEN optional)
 * DOPPEL_REVIEW_TOKENS_FILE         file of name:token lines or comma-separated pairs (or DOPPEL_REVIEW_TOKENS)
 * DOPPEL_REVIEW_BIND, _PORT         default 0.0.0.0, 8090
 * DOPPEL_REVIEW_MAX_REPORTS, _MAX_IMAGES
 * DOPPEL_REVIEW_FETCH_FILE_ROOTS, _FETCH_ALLOW_LIST, _FETCH_MAX_BYTES  as the extractor's fetch.* settings
 * </pre>
 */
public final class ReviewConsoleMain {

  private static final String PREFIX = "DOPPEL_REVIEW_";

  private ReviewConsoleMain() {}

  public static void main(String[] args) throws InterruptedException {
    Map<String, String> env = System.getenv();
    Map<String, Object> kafka = new HashMap<>();
    kafka.put("bootstrap.servers", required(env, "BOOTSTRAP_SERVERS"));
    Map<String, String> registry = new HashMap<>();
    registry.put("schema.registry.url", required(env, "SCHEMA_REGISTRY_URL"));
    if (env.containsKey(PREFIX + "SCHEMA_REGISTRY_BEARER_TOKEN")) {
      registry.put("schema.registry.bearer.auth.token", env.get(PREFIX + "SCHEMA_REGISTRY_BEARER_TOKEN"));
    }
    Map<String, String> fetch = new HashMap<>();
    for (String key : new String[] {"file-roots", "allow-list", "max-bytes", "block-private-addresses"}) {
      String value = env.get(PREFIX + "FETCH_" + key.toUpperCase().replace('-', '_'));
      if (value != null) {
        fetch.put("fetch." + key, value);
      }
    }
    ReviewConsole.Settings settings = new ReviewConsole.Settings(kafka,
        env.getOrDefault(PREFIX + "BIND", "0.0.0.0"),
        Integer.parseInt(env.getOrDefault(PREFIX + "PORT", String.valueOf(ReviewConsole.Settings.DEFAULT_PORT))),
        Reviewers.parse(tokens(env)), ExtractorConfig.of(fetch).fetch(),
        Integer.parseInt(env.getOrDefault(PREFIX + "MAX_REPORTS", String.valueOf(ReviewConsole.Settings.DEFAULT_MAX_REPORTS))),
        Integer.parseInt(env.getOrDefault(PREFIX + "MAX_IMAGES", String.valueOf(ReviewConsole.Settings.DEFAULT_MAX_IMAGES))));
    HttpSchemaRegistry schemaRegistry = new HttpSchemaRegistry(HttpSchemaRegistry.Settings.fromConfig(registry));
    ReviewConsole console = ReviewConsole.start(settings, Topics.using(schemaRegistry), Clock.systemUTC());
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      console.close();
      schemaRegistry.close();
      stop.countDown();
    }));
    System.out.println("doppel review console on port " + console.port());
    stop.await();
  }

  private static String tokens(Map<String, String> env) {
    String file = env.get(PREFIX + "TOKENS_FILE");
    if (file != null) {
      try {
        return String.join(",", Files.readAllLines(Path.of(file)));
      } catch (IOException e) {
        throw new IllegalArgumentException(PREFIX + "TOKENS_FILE " + file + " cannot be read: " + e.getMessage(), e);
      }
    }
    return required(env, "TOKENS");
  }

  private static String required(Map<String, String> env, String name) {
    String value = env.get(PREFIX + name);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(PREFIX + name + " is required");
    }
    return value;
  }
}
