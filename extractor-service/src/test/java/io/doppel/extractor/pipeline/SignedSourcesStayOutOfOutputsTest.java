package io.doppel.extractor.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.doppel.extractor.Fixtures;
import io.doppel.extractor.TestUploads;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.DeadLetter;
import io.doppel.schemas.avro.DeadLetterReason;
import io.doppel.schemas.avro.ImageFeatures;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.testing.ImageFiles;
import io.doppel.testing.SyntheticImages;
import io.doppel.topology.extract.ExtractionTopology;
import io.doppel.topology.testing.StreamsTestSupport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed source URLs keep their secret in the query. Uploads whose URLs carry a signature go through the real extractor
 * (fetch from a local server, decode, model) in the extraction topology: one is extracted, one is answered 404, one is
 * redirected to another signed URL that is 404, one is deleted. Every byte the stage writes, on every output topic, is
 * searched for the signatures; only a dead letter's original record (kept for replay, as on doppel.uploads) holds them.
 */
class SignedSourcesStayOutOfOutputsTest {

  private static final String SECRET = "Sig0nlyTheStoreKnows";
  private static final String REDIRECT_SECRET = "TokenOfTheRedirect";

  private final Topics topics = Topics.using(new InMemorySchemaRegistry());

  @TempDir
  Path stateDirectory;

  private HttpServer server;
  private String base;

  @BeforeEach
  void startServer() throws IOException {
    byte[] png = ImageFiles.encode(SyntheticImages.texture(3, 320, 240), "png");
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/image.png", exchange -> respond(exchange, 200, png));
    server.createContext("/missing.png", exchange -> respond(exchange, 404, new byte[0]));
    server.createContext("/moved.png", exchange -> {
      exchange.getResponseHeaders().set("Location", "/missing.png?token=" + REDIRECT_SECRET);
      respond(exchange, 302, new byte[0]);
    });
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  @Test
  void noOutputOfTheExtractorCarriesASignedUrlsQuery() {
    Map<String, String> outputs = run(false);

    outputs.forEach(
        (what, text) -> assertThat(text).as(what).doesNotContain(SECRET, REDIRECT_SECRET));
    assertThat(outputs).containsEntry("features extracted source", base + "/image.png?redacted");
    assertThat(outputs.get("dead letter missing detail")).contains(base + "/missing.png?redacted");
    assertThat(outputs.get("dead letter moved detail")).contains("HTTP 404");
  }

  /** The opt-in keeps the query in features (a console that must fetch signed images); dead letters never carry it. */
  @Test
  void featuresKeepTheQueryOnlyWhenConfiguredTo() {
    Map<String, String> outputs = run(true);

    assertThat(outputs)
        .containsEntry("features extracted source", base + "/image.png?X-Amz-Signature=" + SECRET);
    outputs.forEach((what, text) -> {
      if (what.startsWith("dead letter")) {
        assertThat(text).as(what).doesNotContain(SECRET, REDIRECT_SECRET);
      }
    });
  }

  /** Every output as text, by what it is: features' whole records and sources, dead letters without their original record. */
  private Map<String, String> run(boolean keepSourceQueries) {
    Map<String, String> outputs = new TreeMap<>();
    try (PipelineFeatureExtractor extractor = new PipelineFeatureExtractor(Fixtures.config(
            "fetch.allow-list",
            "127.0.0.1/32",
            "fetch.retry.initial-backoff-ms",
            "1",
            "keep-source-queries",
            String.valueOf(keepSourceQueries)));
        TopologyTestDriver driver = StreamsTestSupport.driver(
            ExtractionTopology.build(
                topics,
                extractor,
                ExtractionTopology.Settings.of(4, Duration.ofMillis(100)),
                new SimpleMeterRegistry()),
            stateDirectory)) {
      TestInputTopic<byte[], byte[]> uploads = driver.createInputTopic(
          Topics.UPLOADS, new ByteArraySerializer(), new ByteArraySerializer());
      String query = "?X-Amz-Signature=" + SECRET;
      List<byte[]> sent = new ArrayList<>();
      for (UploadEvent event : List.of(
          TestUploads.fromSource("extracted", base + "/image.png" + query),
          TestUploads.fromSource("missing", base + "/missing.png" + query),
          TestUploads.fromSource("moved", base + "/moved.png" + query),
          UploadEvent.newBuilder(TestUploads.fromSource("deleted", base + "/image.png" + query))
              .setPurpose(Purpose.DELETE)
              .build())) {
        byte[] value = topics.uploads().valueSerde().serializer().serialize(Topics.UPLOADS, event);
        sent.add(value);
        uploads.pipeInput(
            topics
                .uploads()
                .keySerde()
                .serializer()
                .serialize(Topics.UPLOADS, new ImageKey(event.getTenant(), event.getImageId())),
            value);
      }

      for (String topic : Topics.NAMES) {
        if (topic.equals(Topics.UPLOADS)) {
          continue;
        }
        for (TestRecord<byte[], byte[]> record : driver
            .createOutputTopic(topic, new ByteArrayDeserializer(), new ByteArrayDeserializer())
            .readRecordsToList()) {
          if (topic.equals(Topics.FEATURES)) {
            ImageFeatures features =
                topics.features().valueSerde().deserializer().deserialize(topic, record.value());
            outputs.put("features " + features.getImageId() + " record", latin1(record.value()));
            outputs.put(
                "features " + features.getImageId() + " source",
                String.valueOf(features.getSource()));
          } else if (topic.equals(Topics.DEAD_LETTERS)) {
            DeadLetter letter =
                topics.deadLetters().valueSerde().deserializer().deserialize(topic, record.value());
            assertThat(sent)
                .as("the original record is kept for replay")
                .anySatisfy(
                    value -> assertThat(letter.getOriginalValue().array()).isEqualTo(value));
            assertThat(letter.getReason()).isEqualTo(DeadLetterReason.FETCH_FAILED);
            outputs.put("dead letter " + letter.getImageId() + " detail", letter.getDetail());
            letter.setOriginalValue(null);
            letter.setOriginalKey(null);
            outputs.put(
                "dead letter " + letter.getImageId() + " record",
                latin1(topics.deadLetters().valueSerde().serializer().serialize(topic, letter))
                    + " " + letter);
          } else {
            outputs.put(topic + " " + latin1(record.value()), latin1(record.value()));
          }
          outputs.put(topic + " key " + latin1(record.key()), latin1(record.key()));
        }
      }
    }
    assertThat(outputs)
        .containsKeys(
            "features extracted record",
            "features deleted record",
            "dead letter missing detail",
            "dead letter moved detail");
    return outputs;
  }

  private static String latin1(byte[] bytes) {
    return bytes == null ? "" : new String(bytes, StandardCharsets.ISO_8859_1);
  }

  private static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
