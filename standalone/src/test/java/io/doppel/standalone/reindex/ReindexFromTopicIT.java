package io.doppel.standalone.reindex;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.pipeline.PipelineFeatureExtractor;
import io.doppel.kafka.EmbeddedKafkaCluster;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.ModelKey;
import io.doppel.matcher.index.lucene.LuceneIndexConfig;
import io.doppel.matcher.index.lucene.LuceneVectorIndex;
import io.doppel.matcher.reindex.ReindexJob;
import io.doppel.matcher.reindex.ReindexReport;
import io.doppel.matcher.reindex.UploadsTopicSource;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.doppel.standalone.EmbeddedStack;
import io.doppel.testing.SyntheticImages;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The re-index job reading the uploads topic of a real (embedded KRaft) broker: it indexes what
 * the topic held when it started, applies tombstones, and a second run under the same consumer
 * group reads only what arrived since.
 */
class ReindexFromTopicIT {

  private static final String TENANT = "acme";
  private static final String GROUP = "doppel-reindex-test";
  private static final int BATCH = 2;

  @TempDir
  Path work;

  @Test
  void backfillsFromTheUploadsTopicAndResumesFromItsCommittedOffsets() throws Exception {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    Topics topics = Topics.using(registry);
    try (EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(
            EmbeddedKafkaCluster.Settings.singleNode().withDataDirectory(work.resolve("kafka")));
        PipelineFeatureExtractor extractor =
            new PipelineFeatureExtractor(ExtractorConfig.defaults());
        LuceneVectorIndex index = LuceneVectorIndex.open(LuceneIndexConfig.of(
            work.resolve("index"),
            new ModelKey(extractor.modelInfo().getId(), extractor.modelInfo().getVersion())))) {
      kafka.createTopics(List.of(Topics.UPLOADS), 2, 1);
      ModelKey model =
          new ModelKey(extractor.modelInfo().getId(), extractor.modelInfo().getVersion());
      ReindexJob job = new ReindexJob(
          extractor,
          index,
          model,
          EmbeddedStack.embeddedPolicy(),
          new ReindexJob.Settings(BATCH, false));
      Properties consumer = new Properties();
      consumer.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());

      try (KafkaProducer<ImageKey, UploadEvent> producer = producer(kafka, topics)) {
        for (String id : List.of("a", "b", "c")) {
          send(producer, id, upload(id));
        }
        UploadEvent holderless = upload("r");
        holderless.setPurpose(Purpose.REFERENCE);
        send(producer, "r", holderless);
        producer.flush();
        ReindexReport first;
        try (UploadsTopicSource source =
            new UploadsTopicSource(consumer, topics.uploads(), GROUP, BATCH)) {
          assertThat(source.size()).isEqualTo(4);
          first = job.run(source, progress -> {});
        }
        assertThat(first.read()).isEqualTo(4);
        assertThat(first.indexed()).isEqualTo(3);
        assertThat(first.failed())
            .as("a reference without holder or set, as the live matcher would dead-letter")
            .isEqualTo(1);
        assertThat(first.failures())
            .singleElement()
            .asString()
            .startsWith(TENANT + "/r: INVALID_EVENT");

        send(producer, "a", null);
        send(producer, "d", upload("d"));
        producer.flush();
        ReindexReport second;
        try (UploadsTopicSource source =
            new UploadsTopicSource(consumer, topics.uploads(), GROUP, BATCH)) {
          second = job.run(source, progress -> {});
        }
        assertThat(second.read()).as("only what arrived since the first run").isEqualTo(2);
        assertThat(second.deleted()).isEqualTo(1);
        assertThat(second.indexed()).isEqualTo(1);
      }
      assertThat(index.contains(new ImageRef(TENANT, "a"))).as("tombstoned").isFalse();
      for (String id : List.of("b", "c", "d")) {
        assertThat(index.contains(new ImageRef(TENANT, id))).as(id).isTrue();
      }
    }
  }

  private static UploadEvent upload(String id) throws Exception {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(SyntheticImages.texture(id.hashCode(), 256, 192), "png", png);
    return UploadEvent.newBuilder()
        .setTenant(TENANT)
        .setImageId(id)
        .setPurpose(Purpose.UPLOAD)
        .setInlineBytes(ByteBuffer.wrap(png.toByteArray()))
        .setUploadedAt(Instant.parse("2026-11-01T00:00:00Z"))
        .build();
  }

  private static void send(
      KafkaProducer<ImageKey, UploadEvent> producer, String id, UploadEvent event)
      throws Exception {
    producer
        .send(new ProducerRecord<>(Topics.UPLOADS, new ImageKey(TENANT, id), event))
        .get();
  }

  private static KafkaProducer<ImageKey, UploadEvent> producer(
      EmbeddedKafkaCluster kafka, Topics topics) {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(
        props,
        topics.uploads().keySerde().serializer(),
        topics.uploads().valueSerde().serializer());
  }
}
