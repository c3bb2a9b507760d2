package io.doppel.topology.testing;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;

/** TopologyTestDriver set-up shared by the topology tests. */
public final class StreamsTestSupport {

  public static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  private StreamsTestSupport() {}

  public static TopologyTestDriver driver(Topology topology, Path stateDirectory) {
    Properties properties = new Properties();
    properties.put(StreamsConfig.APPLICATION_ID_CONFIG, "topology-test");
    properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    properties.put(StreamsConfig.STATE_DIR_CONFIG, stateDirectory.toString());
    properties.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    return new TopologyTestDriver(topology, properties, START);
  }

  /** The value of the metric {@code name} in {@code group}, summed over its tags; 0 if absent. */
  public static double metricTotal(TopologyTestDriver driver, String group, String name) {
    double total = 0;
    for (var entry : driver.metrics().entrySet()) {
      MetricName metric = entry.getKey();
      if (metric.group().equals(group) && metric.name().equals(name)) {
        total += ((Number) ((Metric) entry.getValue()).metricValue()).doubleValue();
      }
    }
    return total;
  }

  /** {@code error} and its causes, outermost first. */
  public static List<Throwable> causalChain(Throwable error) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = error; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }
}
