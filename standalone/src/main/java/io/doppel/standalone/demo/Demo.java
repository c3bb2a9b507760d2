package io.doppel.standalone.demo;

import io.doppel.image.fetch.FetchSettings;
import io.doppel.review.ReviewConsole;
import io.doppel.review.http.Reviewers;
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
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
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

  private static final int TOKEN_BYTES = 24;
  private static final SecureRandom TOKENS = new SecureRandom();
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
  private final String token;
  private final String bindAddress;
  private final boolean fromDev;

  private Demo(
      EmbeddedStack stack,
      ReviewConsole console,
      PipelineDriver driver,
      List<DemoSamples.Sample> samples,
      String token,
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
    this.token = token;
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
      String token = newToken();
      FetchSettings fetch = FetchSettings.of(Map.of(
          "fetch.file-roots", roots.stream().map(Path::toString).collect(Collectors.joining(","))));
      console = ReviewConsole.start(
          new ReviewConsole.Settings(
              Map.of("bootstrap.servers", stack.bootstrapServers()),
              options.bindAddress(),
              options.port(),
              new Reviewers(Map.of(token, REVIEWER)),
              fetch,
              ReviewConsole.Settings.DEFAULT_MAX_REPORTS,
              ReviewConsole.Settings.DEFAULT_MAX_IMAGES),
          stack.topics(),
          Clock.systemUTC());
      PipelineDriver driver =
          new PipelineDriver(stack.bootstrapServers(), stack.topics(), outcome -> {});
      return new Demo(
          stack, console, driver, samples, token, options.bindAddress(), dev.isPresent());
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

  /** The page, with the token in the fragment (which browsers never send to the server). */
  public URI url() {
    String host = bindAddress.equals("0.0.0.0") ? "127.0.0.1" : bindAddress;
    return URI.create("http://" + host + ":" + console.port() + "/#token=" + token);
  }

  public String token() {
    return token;
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

  private static String newToken() {
    byte[] bytes = new byte[TOKEN_BYTES];
    TOKENS.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("doppel-demo-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a folder for generated demo images", e);
    }
  }
}
