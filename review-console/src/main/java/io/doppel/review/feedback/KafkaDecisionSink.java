package io.doppel.review.feedback;

import io.doppel.schemas.Topic;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.ReviewDecision;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Publishes decisions to review-feedback, keyed by the reported image, idempotently with
 * {@code acks=all}; a reviewer's click is answered only once the broker has the decision.
 */
public final class KafkaDecisionSink implements DecisionSink {

  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  private final KafkaProducer<ImageKey, ReviewDecision> producer;
  private final Topic<ImageKey, ReviewDecision> topic;

  public KafkaDecisionSink(
      Map<String, Object> kafkaSettings, Topic<ImageKey, ReviewDecision> topic) {
    Properties properties = new Properties();
    properties.putAll(kafkaSettings);
    properties.put(ProducerConfig.ACKS_CONFIG, "all");
    properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    properties.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "doppel-review-console-feedback");
    this.topic = topic;
    this.producer = new KafkaProducer<>(
        properties, topic.keySerde().serializer(), topic.valueSerde().serializer());
  }

  @Override
  public void publish(ReviewDecision decision) {
    ImageKey key = new ImageKey(decision.getTenant(), decision.getImageId());
    try {
      producer
          .send(new ProducerRecord<>(topic.name(), key, decision))
          .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "the decision could not be recorded on " + topic.name() + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while recording a decision", e);
    }
  }

  @Override
  public void close() {
    producer.close(SEND_TIMEOUT);
  }
}
