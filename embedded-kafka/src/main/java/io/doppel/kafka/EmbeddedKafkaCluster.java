package io.doppel.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real KRaft cluster from Kafka's own artifacts: every node is a child JVM running {@code
 * kafka.Kafka} as a combined broker and controller, on the current classpath. Child processes make
 * a node stoppable abruptly ({@link #stopNode}) and restartable on the same storage ({@link
 * #startNode}), which in-process brokers cannot do faithfully.
 *
 * <p>The controllers form a static quorum of all nodes, so a cluster of three tolerates one node
 * down: {@code quorum = floor(n/2) + 1}. Internal topics take {@code replication = min(3, n)} and
 * {@code min.insync.replicas = replication - 1} (at least 1), so with three nodes a producer with
 * {@code acks=all} keeps writing while one node is stopped.
 *
 * <p>Each node's output goes to {@code <data dir>/node-<i>/server.log}, never to the console.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);

  private static final String LOOPBACK = "127.0.0.1";
  private static final int MAX_INTERNAL_REPLICATION = 3;
  private static final int INTERNAL_TOPIC_PARTITIONS = 5;
  private static final int LOG_TAIL_LINES = 40;
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);
  private static final Duration ADMIN_REQUEST_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration GRACEFUL_STOP_TIMEOUT = Duration.ofSeconds(15);
  private static final int PORT_CLASH_ATTEMPTS = 3;
  private static final String PORT_CLASH = "Address already in use";

  /**
   * How to start a cluster.
   *
   * @param nodes number of nodes, each a broker and a controller
   * @param dataDirectory where node storage and logs live; {@code null}: a temporary directory
   *     deleted on close
   * @param startTimeout how long to wait for the cluster (or a restarted node) to be ready
   * @param jvmOptions options of each node's JVM (heap, GC)
   * @param brokerProperties overrides of the generated {@code server.properties}
   */
  public record Settings(
      int nodes,
      Path dataDirectory,
      Duration startTimeout,
      List<String> jvmOptions,
      Map<String, String> brokerProperties) {

    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(90);
    public static final List<String> DEFAULT_JVM_OPTIONS =
        List.of("-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    public Settings {
      if (nodes < 1) {
        throw new IllegalArgumentException("a cluster needs at least 1 node, got " + nodes);
      }
      if (startTimeout == null || startTimeout.isNegative() || startTimeout.isZero()) {
        throw new IllegalArgumentException("startTimeout must be positive, got " + startTimeout);
      }
      jvmOptions = List.copyOf(jvmOptions);
      brokerProperties = Map.copyOf(brokerProperties);
    }

    /** One node, data in a temporary directory. */
    public static Settings singleNode() {
      return nodes(1);
    }

    public static Settings nodes(int nodes) {
      return new Settings(nodes, null, DEFAULT_START_TIMEOUT, DEFAULT_JVM_OPTIONS, Map.of());
    }

    public Settings withDataDirectory(Path directory) {
      return new Settings(nodes, directory, startTimeout, jvmOptions, brokerProperties);
    }

    public Settings withStartTimeout(Duration timeout) {
      return new Settings(nodes, dataDirectory, timeout, jvmOptions, brokerProperties);
    }

    public Settings withJvmOptions(List<String> options) {
      return new Settings(nodes, dataDirectory, startTimeout, options, brokerProperties);
    }

    public Settings withBrokerProperties(Map<String, String> properties) {
      return new Settings(nodes, dataDirectory, startTimeout, jvmOptions, properties);
    }
  }

  /** The cluster or a node did not become ready; the message carries the node's log tail. */
  public static final class StartupException extends RuntimeException {
    private final boolean portTaken;

    public StartupException(String message) {
      this(message, false);
    }

    StartupException(String message, boolean portTaken) {
      super(message);
      this.portTaken = portTaken;
    }

    /** A node could not bind its port: another process took it after it was picked. */
    public boolean portTaken() {
      return portTaken;
    }
  }

  private final Settings settings;
  private final Path dataDirectory;
  private final boolean ownsDataDirectory;
  private final String clusterId;
  private final List<NodeSpec> specs;
  private final Process[] processes;
  private final Thread shutdownHook;
  private volatile boolean closed;

  private record NodeSpec(int id, int brokerPort, int controllerPort, Path directory) {
    Path properties() {
      return directory.resolve("server.properties");
    }

    Path logFile() {
      return directory.resolve("server.log");
    }

    Path storage() {
      return directory.resolve("data");
    }
  }

  private EmbeddedKafkaCluster(Settings settings) throws IOException {
    this.settings = settings;
    this.ownsDataDirectory = settings.dataDirectory() == null;
    this.dataDirectory = ownsDataDirectory
        ? Files.createTempDirectory("doppel-kafka-")
        : Files.createDirectories(settings.dataDirectory());
    this.clusterId = clusterIdOf(dataDirectory);
    this.specs = IntStream.range(0, settings.nodes())
        .mapToObj(i -> new NodeSpec(i, freePort(), freePort(), dataDirectory.resolve("node-" + i)))
        .toList();
    this.processes = new Process[settings.nodes()];
    this.shutdownHook = new Thread(this::close, "embedded-kafka-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts a cluster and waits until every node is a registered broker. A port picked as free can
   * be taken by another process before the node binds it; then the start is tried again on new
   * ports, at most {@value #PORT_CLASH_ATTEMPTS} times.
   */
  public static EmbeddedKafkaCluster start(Settings settings) {
    for (int attempt = 1; ; attempt++) {
      try {
        return startOnce(settings);
      } catch (StartupException e) {
        if (attempt >= PORT_CLASH_ATTEMPTS || !e.portTaken()) {
          throw e;
        }
        LOG.warn(
            "embedded Kafka: a port was taken before a node could bind it; retrying on new ports");
      }
    }
  }

  private static EmbeddedKafkaCluster startOnce(Settings settings) {
    EmbeddedKafkaCluster cluster;
    try {
      cluster = new EmbeddedKafkaCluster(settings);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the data directory", e);
    }
    try {
      for (NodeSpec spec : cluster.specs) {
        cluster.writeConfig(spec);
      }
      for (NodeSpec spec : cluster.specs) {
        cluster.launch(spec);
      }
      cluster.awaitBrokers(cluster.allNodeIds());
      LOG.info(
          "embedded Kafka ready: {} node(s) at {} (data in {})",
          settings.nodes(),
          cluster.bootstrapServers(),
          cluster.dataDirectory);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public static EmbeddedKafkaCluster startSingleNode() {
    return start(Settings.singleNode());
  }

  public String bootstrapServers() {
    return specs.stream()
        .map(s -> LOOPBACK + ":" + s.brokerPort())
        .collect(Collectors.joining(","));
  }

  public int size() {
    return specs.size();
  }

  public Path dataDirectory() {
    return dataDirectory;
  }

  public boolean isRunning(int node) {
    Process process = processes[checkedIndex(node)];
    return process != null && process.isAlive();
  }

  /** Creates the topics that don't exist yet; existing ones are left as they are. */
  public void createTopics(Collection<String> names, int partitions, int replication) {
    if (replication > size()) {
      throw new IllegalArgumentException("replication " + replication + " is more than the "
          + size() + " node(s) of this cluster");
    }
    List<NewTopic> topics = names.stream()
        .map(name -> new NewTopic(name, partitions, (short) replication))
        .toList();
    try (Admin admin = admin()) {
      for (var entry : admin.createTopics(topics).values().entrySet()) {
        try {
          entry.getValue().get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + entry.getKey(), e.getCause());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  /** Kills node {@code node} abruptly (SIGKILL), as a crashed machine would stop. */
  public void stopNode(int node) {
    Process process = processes[checkedIndex(node)];
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    waitForExit(process, GRACEFUL_STOP_TIMEOUT);
    processes[node] = null;
    LOG.info("embedded Kafka node {} stopped", node);
  }

  /** Stops node {@code node} cleanly (SIGTERM: controlled shutdown), as in a rolling restart. */
  public void stopNodeGracefully(int node) {
    Process process = processes[checkedIndex(node)];
    if (process == null) {
      return;
    }
    process.destroy();
    waitForExit(process, GRACEFUL_STOP_TIMEOUT);
    processes[node] = null;
    LOG.info("embedded Kafka node {} shut down", node);
  }

  /** Starts a stopped node again on its old storage and ports, and waits until it is a broker again. */
  public void startNode(int node) {
    NodeSpec spec = specs.get(checkedIndex(node));
    if (isRunning(node)) {
      throw new IllegalStateException("node " + node + " is already running");
    }
    launch(spec);
    awaitBrokers(Set.of(node));
    LOG.info("embedded Kafka node {} restarted", node);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ownsDataDirectory) {
      destroyAll();
      deleteRecursively(dataDirectory);
    } else {
      // Data that outlives the cluster deserves a clean shutdown (no log recovery on next start).
      Stream.of(processes).filter(p -> p != null).forEach(Process::destroy);
      Stream.of(processes)
          .filter(p -> p != null)
          .forEach(p -> waitForExit(p, GRACEFUL_STOP_TIMEOUT));
      destroyAll();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook is running or has run.
    }
  }

  private Set<Integer> allNodeIds() {
    return specs.stream().map(NodeSpec::id).collect(Collectors.toSet());
  }

  private int checkedIndex(int node) {
    if (node < 0 || node >= specs.size()) {
      throw new IllegalArgumentException("no node " + node + " in a cluster of " + specs.size());
    }
    return node;
  }

  private void writeConfig(NodeSpec spec) {
    int replication = Math.min(MAX_INTERNAL_REPLICATION, size());
    int minInsync = Math.max(1, replication - 1);
    String voters = specs.stream()
        .map(s -> s.id() + "@" + LOOPBACK + ":" + s.controllerPort())
        .collect(Collectors.joining(","));
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", Integer.toString(spec.id()));
    p.setProperty("controller.quorum.voters", voters);
    p.setProperty(
        "listeners",
        "PLAINTEXT://" + LOOPBACK + ":" + spec.brokerPort() + ",CONTROLLER://" + LOOPBACK + ":"
            + spec.controllerPort());
    p.setProperty("advertised.listeners", "PLAINTEXT://" + LOOPBACK + ":" + spec.brokerPort());
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("log.dirs", spec.storage().toString());
    p.setProperty("num.partitions", "1");
    p.setProperty("default.replication.factor", Integer.toString(replication));
    p.setProperty("min.insync.replicas", Integer.toString(minInsync));
    p.setProperty("offsets.topic.replication.factor", Integer.toString(replication));
    p.setProperty("offsets.topic.num.partitions", Integer.toString(INTERNAL_TOPIC_PARTITIONS));
    p.setProperty("transaction.state.log.replication.factor", Integer.toString(replication));
    p.setProperty("transaction.state.log.min.isr", Integer.toString(minInsync));
    p.setProperty(
        "transaction.state.log.num.partitions", Integer.toString(INTERNAL_TOPIC_PARTITIONS));
    p.setProperty(
        "share.coordinator.state.topic.replication.factor", Integer.toString(replication));
    p.setProperty("share.coordinator.state.topic.min.isr", Integer.toString(minInsync));
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    p.setProperty("auto.create.topics.enable", "false");
    p.putAll(settings.brokerProperties());
    try {
      Files.createDirectories(spec.directory());
      try (Writer out = Files.newBufferedWriter(spec.properties(), StandardCharsets.UTF_8)) {
        p.store(out, "embedded Kafka node " + spec.id());
      }
      Files.writeString(
          spec.directory().resolve("logback.xml"), LOGBACK_CONFIG, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the configuration of node " + spec.id(), e);
    }
  }

  /** Node output goes to its log file; Kafka's own chatter stays at INFO there. */
  private static final String LOGBACK_CONFIG = """
      <configuration>
        <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
          <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>
        </appender>
        <logger name="org.apache.kafka.clients" level="WARN"/>
        <root level="INFO"><appender-ref ref="OUT"/></root>
      </configuration>
      """;

  private void launch(NodeSpec spec) {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.addAll(settings.jvmOptions());
    command.add("-Dlogback.configurationFile=" + spec.directory().resolve("logback.xml"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(KafkaNodeMain.class.getName());
    command.add(spec.properties().toString());
    command.add(clusterId);
    command.add(spec.storage().toString());
    try {
      processes[spec.id()] = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.logFile().toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start node " + spec.id(), e);
    }
  }

  /**
   * Waits until each node answers on its own listener and lists itself as a broker. Asking each
   * node itself matters after a restart: the others still list a killed node until its session
   * times out.
   */
  private void awaitBrokers(Set<Integer> nodeIds) {
    long deadline = System.nanoTime() + settings.startTimeout().toNanos();
    Set<Integer> pending = new java.util.TreeSet<>(nodeIds);
    Map<Integer, Admin> admins = new java.util.HashMap<>();
    try {
      while (!pending.isEmpty()) {
        for (int id : nodeIds) {
          Process process = processes[id];
          if (process == null || !process.isAlive()) {
            throw new StartupException(
                "embedded Kafka node " + id + " exited during start-up"
                    + (process == null ? "" : " with status " + process.exitValue())
                    + "; last lines of " + specs.get(id).logFile() + ":\n" + logTail(specs.get(id)),
                logContains(specs.get(id), PORT_CLASH));
          }
        }
        for (var it = pending.iterator(); it.hasNext(); ) {
          int id = it.next();
          Admin admin = admins.computeIfAbsent(
              id, n -> admin(LOOPBACK + ":" + specs.get(n).brokerPort()));
          if (registeredBrokers(admin).contains(id)) {
            it.remove();
          }
        }
        if (pending.isEmpty()) {
          return;
        }
        if (System.nanoTime() > deadline) {
          int first = pending.iterator().next();
          throw new StartupException("embedded Kafka node(s) " + pending + " not ready after "
              + settings.startTimeout() + "; last lines of " + specs.get(first).logFile() + ":\n"
              + logTail(specs.get(first)));
        }
        Thread.sleep(POLL_INTERVAL.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupException("interrupted while waiting for embedded Kafka");
    } finally {
      admins.values().forEach(admin -> admin.close(Duration.ZERO));
    }
  }

  private static Set<Integer> registeredBrokers(Admin admin) throws InterruptedException {
    try {
      return admin
          .describeCluster()
          .nodes()
          .get(ADMIN_REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .stream()
          .map(Node::id)
          .collect(Collectors.toSet());
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      return Set.of();
    }
  }

  private Admin admin() {
    return admin(bootstrapServers());
  }

  private static Admin admin(String bootstrapServers) {
    Map<String, Object> config = Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ADMIN_REQUEST_TIMEOUT.toMillis(),
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_REQUEST_TIMEOUT.toMillis());
    return Admin.create(config);
  }

  private static boolean logContains(NodeSpec spec, String text) {
    try {
      return Files.readString(spec.logFile(), StandardCharsets.UTF_8).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  private static String logTail(NodeSpec spec) {
    try {
      List<String> lines = Files.readAllLines(spec.logFile(), StandardCharsets.UTF_8);
      return String.join(
          "\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private void destroyAll() {
    for (Process process : processes) {
      if (process != null) {
        process.destroyForcibly();
      }
    }
    for (Process process : processes) {
      if (process != null) {
        waitForExit(process, GRACEFUL_STOP_TIMEOUT);
      }
    }
  }

  private static void waitForExit(Process process, Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A cluster id per data directory, kept there so that a restart on the same data matches it. */
  private static String clusterIdOf(Path directory) throws IOException {
    Path file = directory.resolve("cluster.id");
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    }
    String id = org.apache.kafka.common.Uuid.randomUuid().toString();
    Files.writeString(file, id, StandardCharsets.UTF_8);
    return id;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on " + LOOPBACK, e);
    }
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> {
        try {
          Files.deleteIfExists(path);
        } catch (IOException e) {
          LOG.warn("cannot delete {}: {}", path, e.toString());
        }
      });
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", root, e.toString());
    }
  }
}
