package io.doppel.standalone.upload;

import io.doppel.matcher.reindex.FolderSource;
import io.doppel.schemas.Topic;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.HttpSchemaRegistry;
import io.doppel.standalone.cli.Args;
import io.doppel.standalone.cli.CommandFailedException;
import io.doppel.standalone.cli.Progress;
import io.doppel.standalone.cli.StackConnection;
import io.doppel.standalone.cli.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code doppel upload}: sends images to the uploads topic of any Doppel stack, as a platform's producer would: one
 * {@code UploadEvent} per image, keyed by its {@code ImageKey}, with the project's serdes (Confluent wire format, the
 * stack's registry), idempotent with {@code acks=all}. Every problem with the command line and the inputs is reported
 * before anything is sent; the broker, its topic and the registry are checked before the first record. Exit 0 only
 * when every image was acknowledged by the broker.
 */
public final class UploadCommand {

  static final String DEFAULT_TENANT = "doppel-cli";
  /** Under Kafka's default message limit (1 MB) with room for the key and the record's framing. */
  static final long DEFAULT_MAX_INLINE_BYTES = 1_000_000;

  private static final int PRODUCER_OVERHEAD_BYTES = 64 * 1024;
  private static final int IDS_IN_SUMMARY = 10;

  public static final String USAGE = """
      doppel upload [options] PATH_OR_URL...
        PATH_OR_URL             an image file (sent inline), a folder (its images at any depth, by extension:
                                jpg jpeg png webp gif bmp tif tiff) or an http(s) URL (sent as the source, fetched
                                by the extractor; presigned URLs for object stores). Ids: the file name without
                                extension, the path under a folder, the URL's last segment
        --tenant T              default doppel-cli
        --purpose P             upload (default) or reference
        --rights-holder R       who registers the references; --reference-set S (default R)
        --uploader U            recorded in every event and its verdict
        --id-prefix P           put in front of every id (a second run that replaces nothing)
        --max-inline-bytes N    files above this are refused: serve them by URL (default 1000000)
      """ + StackConnection.OPTIONS_USAGE;

  private UploadCommand() {}

  public static int run(Args args) {
    return run(args, System.getenv(), System.out);
  }

  /** The command with the given environment (DOPPEL_* settings), printing its summary to {@code out}. */
  public static int run(Args args, Map<String, String> environment, PrintStream out) {
    List<String> problems = new ArrayList<>();
    FolderSource.Owner owner = owner(args, problems);
    String uploader = args.string("uploader", null);
    String idPrefix = args.string("id-prefix", "");
    long maxInline = args.integer("max-inline-bytes", (int) DEFAULT_MAX_INLINE_BYTES, 1);
    StackConnection connection = StackConnection.read(args, environment, problems);
    args.rejectUnknown();
    UploadInputs inputs = UploadInputs.expand(args.operands(), idPrefix, maxInline);
    problems.addAll(inputs.problems());
    if (!problems.isEmpty()) {
      throw new UsageException(problems.size() + (problems.size() == 1 ? " problem" : " problems")
          + ", nothing sent:\n  " + String.join("\n  ", problems));
    }
    connection.checkTopics(Set.of(Topics.UPLOADS));
    try (HttpSchemaRegistry registry = new HttpSchemaRegistry(connection.registry());
        KafkaProducer<byte[], byte[]> producer = producer(connection, maxInline)) {
      Sent sent = send(
          inputs.inputs(), owner, uploader, Topics.using(registry).uploads(), producer, connection);
      sent.failures().forEach(failure -> System.err.println("  failed: " + failure));
      out.println(summary(sent, inputs.inputs().size(), owner, connection));
      return sent.failures().isEmpty() ? 0 : 1;
    }
  }

  private static FolderSource.Owner owner(Args args, List<String> problems) {
    String tenant = args.string("tenant", DEFAULT_TENANT);
    String purposeName = args.string("purpose", "upload");
    String rightsHolder = args.string("rights-holder", null);
    String referenceSet = args.string("reference-set", rightsHolder);
    Purpose purpose = switch (purposeName.toLowerCase(Locale.ROOT)) {
      case "upload" -> Purpose.UPLOAD;
      case "reference" -> Purpose.REFERENCE;
      default -> {
        problems.add("--purpose must be upload or reference, got '" + purposeName + "'");
        yield Purpose.UPLOAD;
      }
    };
    if (purpose == Purpose.UPLOAD && (rightsHolder != null || referenceSet != null)) {
      problems.add("--rights-holder and --reference-set are for --purpose reference");
    }
    try {
      return new FolderSource.Owner(tenant, purpose, rightsHolder, referenceSet);
    } catch (IllegalArgumentException e) {
      problems.add(
          e.getMessage().equals("references need a rights holder or a reference set")
              ? "--purpose reference needs --rights-holder (and optionally --reference-set)"
              : e.getMessage());
      return null;
    }
  }

  private static KafkaProducer<byte[], byte[]> producer(
      StackConnection connection, long maxInline) {
    Properties properties = connection.clientProperties();
    int timeoutMs = (int) connection.timeout().toMillis();
    properties.put(ProducerConfig.CLIENT_ID_CONFIG, "doppel-upload");
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
    properties.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // the producer's limit never refuses what --max-inline-bytes let through; the broker's may, per
    // image
    properties.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, (int)
        Math.min(Integer.MAX_VALUE, maxInline + PRODUCER_OVERHEAD_BYTES));
    properties.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 2 * timeoutMs);
    return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
  }

  /** What a run sent: the ids the broker acknowledged, and one line per image that failed. */
  record Sent(List<String> acknowledged, List<String> failures) {}

  private static Sent send(
      List<UploadInputs.Input> inputs,
      FolderSource.Owner owner,
      String uploader,
      Topic<ImageKey, UploadEvent> topic,
      KafkaProducer<byte[], byte[]> producer,
      StackConnection connection) {
    List<String> acknowledged = Collections.synchronizedList(new ArrayList<>());
    List<String> failures = Collections.synchronizedList(new ArrayList<>());
    Progress progress = new Progress("upload", inputs.size());
    AtomicLong done = new AtomicLong();
    for (UploadInputs.Input input : inputs) {
      UploadEvent event;
      try {
        event = event(input, owner, uploader);
      } catch (IOException e) {
        failures.add(input.origin() + ": cannot read (" + e.getMessage() + ")");
        progress.update(done.incrementAndGet());
        continue;
      }
      ImageKey key = new ImageKey(owner.tenant(), input.imageId());
      byte[] keyBytes;
      byte[] valueBytes;
      try {
        keyBytes = topic.keySerde().serializer().serialize(topic.name(), key);
        valueBytes = topic.valueSerde().serializer().serialize(topic.name(), event);
      } catch (RuntimeException e) {
        // the registry's answer is the same for every image: stop here
        producer.flush();
        throw new CommandFailedException(
            "schema registry at " + connection.registry().baseUrl() + ": " + e.getMessage() + " ("
                + acknowledged.size() + " of " + inputs.size() + " images sent before)");
      }
      String label = owner.tenant() + "/" + input.imageId();
      producer.send(new ProducerRecord<>(topic.name(), keyBytes, valueBytes), (metadata, error) -> {
        if (error == null) {
          acknowledged.add(input.imageId());
        } else {
          failures.add(label + " (" + input.origin() + "): " + error.getClass().getSimpleName()
              + ": " + error.getMessage());
        }
        progress.update(done.incrementAndGet());
      });
    }
    producer.flush();
    return new Sent(List.copyOf(acknowledged), List.copyOf(failures));
  }

  static UploadEvent event(UploadInputs.Input input, FolderSource.Owner owner, String uploader)
      throws IOException {
    UploadEvent.Builder event = UploadEvent.newBuilder()
        .setTenant(owner.tenant())
        .setImageId(input.imageId())
        .setPurpose(owner.purpose())
        .setUploader(uploader)
        .setRightsHolder(owner.purpose() == Purpose.REFERENCE ? owner.rightsHolder() : null)
        .setReferenceSet(owner.purpose() == Purpose.REFERENCE ? owner.referenceSet() : null)
        .setUploadedAt(Instant.now());
    if (input.file() != null) {
      event
          .setInlineBytes(ByteBuffer.wrap(Files.readAllBytes(input.file())))
          .setContentType(UploadInputs.contentTypeOf(input.file()));
    } else {
      event.setSource(input.url().toString());
    }
    return event.build();
  }

  static String summary(
      Sent sent, int total, FolderSource.Owner owner, StackConnection connection) {
    List<String> ids = sent.acknowledged().stream().sorted().toList();
    String shown = ids.size() <= IDS_IN_SUMMARY
        ? String.join(", ", ids)
        : String.join(", ", ids.subList(0, IDS_IN_SUMMARY)) + ", ... ("
            + (ids.size() - IDS_IN_SUMMARY) + " more)";
    return String.format(
        "doppel upload: %d of %d sent to %s at %s (tenant %s, purpose %s)%s%s",
        ids.size(),
        total,
        Topics.UPLOADS,
        connection.kafka().bootstrapServers(),
        owner.tenant(),
        owner.purpose(),
        sent.failures().isEmpty() ? "" : ", " + sent.failures().size() + " failed",
        ids.isEmpty() ? "" : "; ids " + shown);
  }
}
