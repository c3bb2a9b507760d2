package io.doppel.topology.match;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * Ties the matcher's index durability to the stream task's commits: Kafka Streams commits its state stores before
 * it commits the consumed offsets (and, under exactly-once, the transaction), so {@link Matcher#commit()} runs
 * before any record whose index write it covers is marked consumed. A crash in between replays those records,
 * and index writes are idempotent. Holds no data: not persistent, not logged.
 */
final class MatcherCommitStore implements StateStore {

  static final String NAME = "matcher-index-commit";

  private final Matcher matcher;
  private volatile boolean open;

  private MatcherCommitStore(Matcher matcher) {
    this.matcher = matcher;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    context.register(root, (key, value) -> {});
    open = true;
  }

  @Override
  public void flush() {
    matcher.commit();
  }

  @Override
  public void commit(Map<TopicPartition, Long> changelogOffsets) {
    matcher.commit();
  }

  @Override
  public void close() {
    open = false;
  }

  @Override
  public boolean persistent() {
    return false;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  static StoreBuilder<MatcherCommitStore> builder(Matcher matcher) {
    Objects.requireNonNull(matcher, "matcher");
    return new StoreBuilder<>() {
      @Override
      public StoreBuilder<MatcherCommitStore> withCachingEnabled() {
        return this;
      }

      @Override
      public StoreBuilder<MatcherCommitStore> withCachingDisabled() {
        return this;
      }

      @Override
      public StoreBuilder<MatcherCommitStore> withLoggingEnabled(Map<String, String> config) {
        throw new UnsupportedOperationException(NAME + " holds no data and has no changelog");
      }

      @Override
      public StoreBuilder<MatcherCommitStore> withLoggingDisabled() {
        return this;
      }

      @Override
      public MatcherCommitStore build() {
        return new MatcherCommitStore(matcher);
      }

      @Override
      public Map<String, String> logConfig() {
        return Map.of();
      }

      @Override
      public boolean loggingEnabled() {
        return false;
      }

      @Override
      public String name() {
        return NAME;
      }
    };
  }
}
