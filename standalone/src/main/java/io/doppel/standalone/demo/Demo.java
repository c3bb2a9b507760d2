package io.doppel.standalone.demo;

import io.doppel.image.fetch.FetchSettings;
import io.doppel.review.ReviewConsole;
import io.doppel.review.access.RoleMapping;
import io.doppel.review.http.Identity;
import io.doppel.review.http.Sessions;
import io.doppel.review.http.SignIn;
import io.doppel.review.http.TrustedProxies;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.standalone.EmbeddedStack;
import io.doppel.standalone.StackOptions;
import io.doppel.standalone.eval.PipelineDriver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The embedded stack with the review console on it, preloaded with references and copies of them,
 * so that a new user sees reports within a minute. Used by {@code ./doppel demo} and its test.
 */
public final class Demo implements AutoCloseable {

  /** The embedded policy's tenant and reference set (standalone's embedded-policy.yaml). */
  public static final String TENANT = "eval";

  public static final String RIGHTS_HOLDER = "eval-rights-holder";
  public static final String REVIEWER = "demo";
  /** Who uploads the copies, so that "allow the uploader" has someone to allow. */
  public static final String UPLOADER = "demo-uploader";

  /** How long the demo's sign-in link and session last. */
  private static final Duration SESSION = Duration.ofDays(1);

  private static final int PARTITIONS = 2;

  /**
   * @param dev the DEV evaluation set, used when it exists; null or missing for generated images
   * @param pairs how many reference/copy pairs to preload
   */
  public record Options(Path dev, int pairs, String bindAddress, int port) {
    public Options {
      Objects.requireNonNull(bindAddress, "bindAddress");
      if (pairs < 1) {
        throw new IllegalArgumentException("pairs must be at least 1, got " + pairs);
      }
    }
  }

  private final EmbeddedStack stack;
  private final ReviewConsole console;
  private final PipelineDriver driver;
  private final KafkaProducer<ImageKey, UploadEvent> uploads;
  private final List<DemoSamples.Sample> samples;
  private final String signInPath;
  private final String bindAddress;
  private final boolean fromDev;

  private Demo(
      EmbeddedStack stack,
      ReviewConsole console,
      PipelineDriver driver,
      List<DemoSamples.Sample> samples,
      String signInPath,
      String bindAddress,
      boolean fromDev) {
    this.stack = stack;
    this.console = console;
    this.driver = driver;
    this.uploads = new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            stack.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true),
        stack.topics().uploads().keySerde().serializer(),
        stack.topics().uploads().valueSerde().serializer());
    this.samples = samples;
    this.signInPath = signInPath;
    this.bindAddress = bindAddress;
    this.fromDev = fromDev;
  }

  public static Demo start(Options options) {
    var dev = options.dev() == null
        ? java.util.Optional.<List<DemoSamples.Sample>>empty()
        : DemoSamples.fromDev(options.dev(), options.pairs());
    List<DemoSamples.Sample> samples =
        dev.orElseGet(() -> DemoSamples.generate(tempDir(), options.pairs()));
    List<Path> roots = samples.stream()
        .flatMap(
            s -> java.util.stream.Stream.of(s.reference().getParent(), s.query().getParent()))
        .map(p -> p.toAbsolutePath().normalize())
        .distinct()
        .toList();
    EmbeddedStack stack = EmbeddedStack.start(new StackOptions(
        null, roots, StackOptions.LUCENE, null, false, PARTITIONS, null, null, Map.of()));
    ReviewConsole console = null;
    try {
      FetchSettings fetch = FetchSettings.of(Map.of(
          "fetch.file-roots", roots.stream().map(Path::toString).collect(Collectors.joining(","))));
      console = ReviewConsole.start(
          new ReviewConsole.Settings(
              Map.of("bootstrap.servers", stack.bootstrapServers()),
              options.bindAddress(),
              options.port(),
              // No proxy in front of the demo: its one reviewer signs in with a link, and is a
              // lead in every tenant (group "demo"). Plain HTTP on a local port: no Secure cookie.
              new SignIn(
                  TrustedProxies.NONE,
                  SignIn.Headers.OAUTH2_PROXY,
                  Sessions.withRandomSecret(SESSION),
                  false),
              RoleMapping.parse(REVIEWER + "=*:lead"),
              fetch,
              ReviewConsole.Settings.DEFAULT_MAX_REPORTS,
              ReviewConsole.Settings.DEFAULT_MAX_IMAGES,
              true),
          stack.topics(),
          Clock.systemUTC());
      String signInPath = console.signInPath(new Identity(REVIEWER, List.of(REVIEWER)), SESSION);
      PipelineDriver driver =
          new PipelineDriver(stack.bootstrapServers(), stack.topics(), outcome -> {});
      return new Demo(
          stack, console, driver, samples, signInPath, options.bindAddress(), dev.isPresent());
    } catch (RuntimeException e) {
      if (console != null) {
        console.close();
      }
      stack.close();
      throw e;
    }
  }

  /** Registers every reference, waits until they are indexed, then uploads every copy and waits for its outcome. */
  public void preload(Duration stallTimeout) throws InterruptedException {
    for (DemoSamples.Sample sample : samples) {
      driver.send(
          TENANT, sample.referenceId(), Purpose.REFERENCE, sample.reference(), RIGHTS_HOLDER);
    }
    driver.flush();
    driver.awaitOutcomes(
        samples.stream().map(DemoSamples.Sample::referenceId).toList(), stallTimeout, n -> {});
    for (DemoSamples.Sample sample : samples) {
      sendCopy(sample);
    }
    driver.awaitOutcomes(
        samples.stream().map(DemoSamples.Sample::queryId).toList(), stallTimeout, n -> {});
  }

  /** Uploads the copy of {@code sample} (again), as its uploader would. */
  public void sendCopy(DemoSamples.Sample sample) {
    UploadEvent upload = UploadEvent.newBuilder()
        .setTenant(TENANT)
        .setImageId(sample.queryId())
        .setPurpose(Purpose.UPLOAD)
        .setUploader(UPLOADER)
        .setSource(sample.query().toAbsolutePath().toUri().toString())
        .setUploadedAt(Instant.now())
        .build();
    try {
      uploads
          .send(new ProducerRecord<>(
              stack.topics().uploads().name(), new ImageKey(TENANT, sample.queryId()), upload))
          .get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot upload " + sample.queryId() + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while uploading " + sample.queryId(), e);
    }
  }

  /** The page's sign-in link: opening it signs the browser in as {@link #REVIEWER} for a day. */
  public URI url() {
    String host = bindAddress.equals("0.0.0.0") ? "127.0.0.1" : bindAddress;
    return URI.create("http://" + host + ":" + console.port() + signInPath);
  }

  /** The console itself, for tests that sign in other people. */
  public ReviewConsole console() {
    return console;
  }

  public List<DemoSamples.Sample> samples() {
    return samples;
  }

  public boolean fromDev() {
    return fromDev;
  }

  public EmbeddedStack stack() {
    return stack;
  }

  public PipelineDriver driver() {
    return driver;
  }

  @Override
  public void close() {
    uploads.close();
    try {
      driver.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    console.close();
    stack.close();
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("doppel-demo-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a folder for generated demo images", e);
    }
  }
}
