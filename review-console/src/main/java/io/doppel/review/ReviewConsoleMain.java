package io.doppel.review;

import io.doppel.image.fetch.FetchSettings;
import io.doppel.review.http.Reviewers;
import io.doppel.schemas.Topics;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.topology.config.ConfigReader;
import io.doppel.topology.config.KafkaConnection;
import io.doppel.topology.config.SchemaRegistryConnection;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the console as a service, configured like every Doppel program ({@link ConfigReader}): {@code kafka.*} (with
 * the client security settings), {@code schema-registry.*}, and its own {@code review.*}: {@code review.tokens} (a
 * secret: {@code name:token} pairs, by comma or line), {@code review.bind}, {@code review.port}, {@code
 * review.max-reports}, {@code review.max-images} and {@code review.fetch.*} (as the extractor's {@code fetch.*}).
 * Every setting is listed in docs/configuration.md.
 */
public final class ReviewConsoleMain {

  public static final String PROGRAM = "review";
  private static final int MAX_PORT = 65_535;

  private ReviewConsoleMain() {}

  /** The console's settings and registry from {@code environment}; every problem reported at once. */
  public record Config(ReviewConsole.Settings console, HttpSchemaRegistry.Settings registry) {}

  public static Config read(Map<String, String> environment) {
    return ConfigReader.readProgram(PROGRAM, environment, ReviewConsoleMain::read);
  }

  /** Every setting of the console from {@code reader}; null with problems left in the reader where one is invalid. */
  public static Config read(ConfigReader reader) {
    KafkaConnection kafka = KafkaConnection.read(reader);
    HttpSchemaRegistry.Settings registry = SchemaRegistryConnection.read(reader);
    ConfigReader r = reader.section(PROGRAM);
    String tokens = r.secret("tokens");
    reader.check(tokens != null, reader.describe(r.name("tokens")) + " (or its _FILE) is required");
    Reviewers reviewers = tokens == null
        ? null
        : reader.build(r.name("tokens"), () -> Reviewers.parse(tokens.replace('\n', ',')));
    String bind = r.string("bind", "0.0.0.0");
    int port = r.integer("port", ReviewConsole.Settings.DEFAULT_PORT, 0, MAX_PORT);
    int maxReports =
        r.integer("max-reports", ReviewConsole.Settings.DEFAULT_MAX_REPORTS, 1, Integer.MAX_VALUE);
    int maxImages =
        r.integer("max-images", ReviewConsole.Settings.DEFAULT_MAX_IMAGES, 1, Integer.MAX_VALUE);
    FetchSettings fetch = FetchSettings.read(r);
    if (kafka.bootstrapServers() == null || reviewers == null) {
      return null;
    }
    Map<String, Object> clients = new HashMap<>(kafka.security());
    clients.put("bootstrap.servers", kafka.bootstrapServers());
    return new Config(
        new ReviewConsole.Settings(clients, bind, port, reviewers, fetch, maxReports, maxImages),
        registry);
  }

  public static void main(String[] args) throws InterruptedException {
    Config config = read(System.getenv());
    HttpSchemaRegistry schemaRegistry = new HttpSchemaRegistry(config.registry());
    ReviewConsole console =
        ReviewConsole.start(config.console(), Topics.using(schemaRegistry), Clock.systemUTC());
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      console.close();
      schemaRegistry.close();
      stop.countDown();
    }));
    System.out.println("doppel review console on port " + console.port());
    stop.await();
  }
}
