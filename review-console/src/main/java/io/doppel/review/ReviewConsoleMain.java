package io.doppel.review;

import io.doppel.image.fetch.FetchSettings;
import io.doppel.review.access.RoleMapping;
import io.doppel.review.http.Sessions;
import io.doppel.review.http.SignIn;
import io.doppel.review.http.TrustedProxies;
import io.doppel.schemas.Topics;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.topology.config.ConfigReader;
import io.doppel.topology.config.KafkaConnection;
import io.doppel.topology.config.SchemaRegistryConnection;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the console as a service, configured like every Doppel program ({@link ConfigReader}): {@code kafka.*} (with
 * the client security settings), {@code schema-registry.*}, and its own {@code review.*}: sign-in ({@code
 * review.trusted-proxies}, {@code review.identity.*-header}, {@code review.session.*}, the secret {@code
 * review.session.secret}), roles ({@code review.roles}), {@code review.bind}, {@code review.port}, {@code
 * review.max-reports}, {@code review.max-images}, {@code review.images.require-digest} and {@code review.fetch.*} (as
 * the extractor's {@code fetch.*}). Every setting is listed in docs/configuration.md.
 */
public final class ReviewConsoleMain {

  public static final String PROGRAM = "review";
  public static final Duration DEFAULT_SESSION_TTL = Duration.ofHours(1);
  private static final int MAX_PORT = 65_535;
  private static final Logger LOG = LoggerFactory.getLogger(ReviewConsoleMain.class);

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
    // Bearer tokens never expired and carried no roles; sign-in is the proxy's now. A deployment
    // still setting them is told so instead of silently running with fewer controls than it thinks.
    reader.check(
        r.secret("tokens") == null,
        reader.describe(r.name("tokens")) + " is no longer read: reviewers sign in through an"
            + " authenticating proxy (review.trusted-proxies, review.roles; review-console/README.md,"
            + " \"Migrating from reviewer tokens\")");
    List<String> proxyList = r.list("trusted-proxies");
    reader.check(
        !proxyList.isEmpty(),
        reader.describe(r.name("trusted-proxies")) + " is required: the authenticating proxy's"
            + " addresses (CIDR), whose identity headers are believed");
    TrustedProxies proxies = proxyList.isEmpty()
        ? null
        : reader.build(r.name("trusted-proxies"), () -> TrustedProxies.parse(proxyList));
    SignIn.Headers headers = new SignIn.Headers(
        r.string("identity.user-header", SignIn.Headers.OAUTH2_PROXY.user()),
        r.string("identity.email-header", SignIn.Headers.OAUTH2_PROXY.email()),
        r.string("identity.groups-header", SignIn.Headers.OAUTH2_PROXY.groups()));
    String rolesSpec = r.string("roles", null);
    reader.check(
        rolesSpec != null && !rolesSpec.isBlank(),
        reader.describe(r.name("roles")) + " is required: group=tenant:role entries");
    RoleMapping roles = rolesSpec == null || rolesSpec.isBlank()
        ? null
        : reader.build(r.name("roles"), () -> RoleMapping.parse(rolesSpec));
    String secret = r.secret("session.secret");
    Duration ttl = r.duration("session.ttl", DEFAULT_SESSION_TTL);
    boolean secureCookie = r.bool("session.secure-cookie", true);
    Sessions sessions = secret == null
        ? Sessions.withRandomSecret(ttl)
        : reader.build(
            r.name("session.secret"),
            () -> new Sessions(secret.getBytes(StandardCharsets.UTF_8), ttl));
    String bind = r.string("bind", "0.0.0.0");
    int port = r.integer("port", ReviewConsole.Settings.DEFAULT_PORT, 0, MAX_PORT);
    int maxReports =
        r.integer("max-reports", ReviewConsole.Settings.DEFAULT_MAX_REPORTS, 1, Integer.MAX_VALUE);
    int maxImages =
        r.integer("max-images", ReviewConsole.Settings.DEFAULT_MAX_IMAGES, 1, Integer.MAX_VALUE);
    boolean requireDigest = r.bool("images.require-digest", true);
    FetchSettings fetch = FetchSettings.read(r);
    if (kafka.bootstrapServers() == null || proxies == null || roles == null || sessions == null) {
      return null;
    }
    if (secret == null) {
      LOG.info(
          "no {} set: sessions are signed with a per-process key and end when it stops;"
              + " set one shared secret where more than one replica runs",
          r.name("session.secret"));
    }
    Map<String, Object> clients = new HashMap<>(kafka.security());
    clients.put("bootstrap.servers", kafka.bootstrapServers());
    return new Config(
        new ReviewConsole.Settings(
            clients,
            bind,
            port,
            new SignIn(proxies, headers, sessions, secureCookie),
            roles,
            fetch,
            maxReports,
            maxImages,
            requireDigest),
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
