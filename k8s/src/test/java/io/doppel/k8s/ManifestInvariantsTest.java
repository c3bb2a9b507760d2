package io.doppel.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.doppel.schemas.Topics;
import io.doppel.topology.ops.Deployment;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The invariants whose breakage a cluster would not report: a probe on the wrong path restarts
 * healthy pods, a wrong consumer group makes KEDA scale on nothing, a missing topic or ConfigMap
 * stalls a rollout, an unpinned image changes under a running deployment.
 */
class ManifestInvariantsTest {

  private static final String EXTRACTOR = Deployment.EXTRACTOR_APPLICATION_ID;
  private static final String MATCHER = Deployment.MATCHER_APPLICATION_ID;
  private static final String GPU_RESOURCE = "nvidia.com/gpu";
  private static final String TMP = "/tmp";
  private static final String KAFKA_PREFIX = "DOPPEL_KAFKA_";
  /** What MatcherConfig accepts under DOPPEL_KAFKA_: the bootstrap servers and security settings. */
  private static final Pattern KAFKA_SETTING = Pattern.compile(
      "DOPPEL_KAFKA_(BOOTSTRAP_SERVERS|SECURITY_PROTOCOL|SASL_[A-Z_]+|SSL_[A-Z_]+)");

  private static final Pattern DOCUMENTED_SECRET =
      Pattern.compile("kubectl (?:-n \\S+ )?create secret \\S+ ([a-z0-9.-]+)");
  private static final Pattern DIGEST = Pattern.compile("@sha256:[a-f0-9]{64}$");

  /**
   * The workloads that run Doppel's Kafka Streams code (and its ops server): the services and the
   * re-index job. The schema registry and the review console are other programs with their own
   * ports and no Streams state; the invariants common to every workload apply to them.
   */
  private static final Set<String> DOPPEL_RUNTIMES = Set.of(EXTRACTOR, MATCHER, "doppel-reindex");

  /** A pod template with the resource that owns it. */
  record Workload(String kind, String name, PodSpec pod, Map<String, String> labels) {
    boolean runsDoppel() {
      return DOPPEL_RUNTIMES.contains(name);
    }

    @Override
    public String toString() {
      return kind + "/" + name;
    }
  }

  static Stream<String> overlays() {
    return Repository.OVERLAYS.stream();
  }

  /** Everything that is applied as a unit: each overlay, and the re-index job. */
  static Stream<Path> renderable() {
    return Stream.concat(
        Repository.OVERLAYS.stream().map(Repository::overlay),
        Repository.JOBS.stream().map(Repository.K8S::resolve));
  }

  private static Kustomize.Rendering render(String overlay) {
    return Kustomize.render(Repository.overlay(overlay));
  }

  // ---- parsing ---------------------------------------------------------------------------------

  @Test
  void everyManifestFileParsesIntoTypedObjects() throws IOException {
    List<Path> files = manifestFiles();
    assertThat(files).isNotEmpty();
    Set<String> typedKinds = new HashSet<>();
    Set<String> customKinds = new HashSet<>();
    for (Path file : files) {
      List<HasMetadata> resources = Manifests.parse(file);
      assertThat(resources).as(file.toString()).isNotEmpty();
      for (HasMetadata resource : resources) {
        assertThat(resource.getMetadata().getName()).as("name in " + file).isNotBlank();
        (resource instanceof GenericKubernetesResource ? customKinds : typedKinds)
            .add(resource.getKind());
      }
    }
    assertThat(typedKinds)
        .contains(
            "Deployment",
            "Service",
            "ServiceAccount",
            "ConfigMap",
            "PodDisruptionBudget",
            "NetworkPolicy",
            "Ingress",
            "Job");
    assertThat(customKinds)
        .containsExactlyInAnyOrder(
            "ScaledObject",
            "TriggerAuthentication",
            "Kafka",
            "KafkaNodePool",
            "KafkaUser",
            "KafkaTopic",
            "Milvus",
            "ServiceMonitor",
            "PrometheusRule");
  }

  @ParameterizedTest
  @MethodSource("renderable")
  void everyKustomizationRenders(Path directory) {
    Kustomize.Rendering rendering = Kustomize.render(directory);

    assertThat(rendering.resources()).isNotEmpty();
    assertThat(rendering.resources())
        .extracting(
            resource -> resource.getKind() + "/" + resource.getMetadata().getName())
        .doesNotHaveDuplicates();
  }

  // ---- probes and ports ------------------------------------------------------------------------

  @ParameterizedTest
  @MethodSource("renderable")
  void probesUseTheOpsServerPortAndPaths(Path directory) {
    for (Workload workload : workloads(Kustomize.render(directory).resources())) {
      if (!workload.runsDoppel()) {
        continue;
      }
      for (Container container : workload.pod().getContainers()) {
        String where = workload + " container " + container.getName();
        assertThat(container.getLivenessProbe()).as(where + " liveness").isNotNull();
        assertProbe(where, container, container.getLivenessProbe(), Deployment.LIVENESS_PATH);
        if (container.getStartupProbe() != null) {
          assertProbe(where, container, container.getStartupProbe(), Deployment.LIVENESS_PATH);
        }
        if (workload.kind().equals("Deployment")) {
          assertThat(container.getReadinessProbe()).as(where + " readiness").isNotNull();
          assertProbe(where, container, container.getReadinessProbe(), Deployment.READINESS_PATH);
        }
      }
    }
  }

  /** The registry and the console: probed over HTTP on a port their container declares. */
  @ParameterizedTest
  @MethodSource("overlays")
  void otherWorkloadsAreProbedOnTheirOwnPorts(String overlay) {
    List<Workload> others = workloads(render(overlay).resources()).stream()
        .filter(workload -> !workload.runsDoppel())
        .toList();
    assertThat(others)
        .extracting(Workload::name)
        .containsExactlyInAnyOrder("doppel-schema-registry", "doppel-review-console");
    for (Workload workload : others) {
      for (Container container : workload.pod().getContainers()) {
        for (Probe probe : List.of(container.getLivenessProbe(), container.getReadinessProbe())) {
          assertThat(probe).as(workload + " probes").isNotNull();
          assertThat(probe.getHttpGet()).as(workload + " probes over HTTP").isNotNull();
          resolvePort(container, probe.getHttpGet().getPort());
        }
      }
    }
  }

  private static void assertProbe(String where, Container container, Probe probe, String path) {
    HTTPGetAction get = probe.getHttpGet();
    assertThat(get).as(where + " probes over HTTP").isNotNull();
    assertThat(get.getPath()).as(where + " probe path").isEqualTo(path);
    assertThat(resolvePort(container, get.getPort()))
        .as(where + " probe port")
        .isEqualTo(Deployment.OPS_PORT);
  }

  private static int resolvePort(Container container, IntOrString port) {
    if (port.getIntVal() != null) {
      return port.getIntVal();
    }
    return container.getPorts().stream()
        .filter(candidate -> port.getStrVal().equals(candidate.getName()))
        .map(ContainerPort::getContainerPort)
        .findFirst()
        .orElseThrow(() -> new AssertionError(
            "container " + container.getName() + " has no port named " + port.getStrVal()));
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void servicesAndServiceMonitorScrapeTheMetricsPath(String overlay) {
    List<HasMetadata> resources = render(overlay).resources();
    JsonNode monitor = Manifests.tree(only(resources, "ServiceMonitor", "doppel"));
    JsonNode endpoint = monitor.at("/spec/endpoints/0");
    assertThat(endpoint.path("path").asText()).isEqualTo(Deployment.METRICS_PATH);
    assertThat(endpoint.path("port").asText()).isEqualTo(Deployment.OPS_PORT_NAME);

    Map<String, String> selector =
        Manifests.SERIALIZATION.convertValue(monitor.at("/spec/selector/matchLabels"), Map.class);
    List<Service> scraped = ofKind(resources, Service.class).stream()
        .filter(service ->
            service.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
        .toList();
    assertThat(scraped)
        .extracting(service -> service.getMetadata().getName())
        .containsExactlyInAnyOrder(EXTRACTOR, MATCHER);
    for (Service service : scraped) {
      assertThat(service.getSpec().getPorts()).anySatisfy(port -> {
        assertThat(port.getName()).isEqualTo(Deployment.OPS_PORT_NAME);
        assertThat(port.getPort()).isEqualTo(Deployment.OPS_PORT);
      });
      assertThat(podsSelectedBy(resources, service.getSpec().getSelector()))
          .as("pods behind service " + service.getMetadata().getName())
          .isNotEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void prometheusRuleCarriesTheSameAlertsAsTheComposeStack(String overlay) {
    JsonNode rule = Manifests.tree(only(render(overlay).resources(), "PrometheusRule", "doppel"));
    JsonNode alerts = Manifests.readYaml(Repository.DEPLOY.resolve("prometheus/alerts.yml"));

    assertThat(rule.at("/spec/groups")).isEqualTo(alerts.path("groups"));
  }

  @ParameterizedTest
  @MethodSource("renderable")
  void networkPoliciesAdmitOnlyThePortsTheirPodsServe(Path directory) {
    List<HasMetadata> resources = Kustomize.render(directory).resources();
    List<NetworkPolicy> policies = ofKind(resources, NetworkPolicy.class);
    assertThat(policies).isNotEmpty();
    for (NetworkPolicy policy : policies) {
      String where = "NetworkPolicy " + policy.getMetadata().getName();
      assertThat(policy.getSpec().getPolicyTypes())
          .as(where)
          .containsExactlyInAnyOrder("Ingress", "Egress");
      Map<String, String> selector = policy.getSpec().getPodSelector().getMatchLabels();
      List<Workload> selected = workloads(resources).stream()
          .filter(workload -> workload.labels().entrySet().containsAll(selector.entrySet()))
          .toList();
      assertThat(selected).as(where + " selects pods").isNotEmpty();
      Set<Integer> served = new HashSet<>();
      selected.forEach(workload -> workload
          .pod()
          .getContainers()
          .forEach(container -> Optional.ofNullable(container.getPorts())
              .orElse(List.of())
              .forEach(port -> served.add(port.getContainerPort()))));
      assertThat(policy.getSpec().getIngress())
          .as(where + " admits only ports its pods serve " + served)
          .flatExtracting(rule -> rule.getPorts())
          .allSatisfy(port -> assertThat(served).contains(port.getPort().getIntVal()));
      if (selected.stream().anyMatch(Workload::runsDoppel)) {
        assertThat(policy.getSpec().getIngress())
            .flatExtracting(rule -> rule.getPorts())
            .allSatisfy(
                port -> assertThat(port.getPort().getIntVal()).isEqualTo(Deployment.OPS_PORT));
      }
    }
  }

  /** The model the extractor image ships and runs unless extractor.properties names another. */
  static final Path BUILT_IN_MODEL_MANIFEST = Repository.ROOT.resolve(
      "extractor-service/src/main/resources/models/doppel-copy-v2/manifest.json");

  @ParameterizedTest
  @MethodSource("overlays")
  void theMatchersModelSettingsAreThoseOfTheModelTheExtractorRuns(String overlay) {
    List<HasMetadata> resources = render(overlay).resources();
    String extractorProperties = only(resources, ConfigMap.class, "doppel-extractor-config")
        .getData()
        .get("extractor.properties");
    assertThat(extractorProperties)
        .as("the extractor runs the built-in model")
        .doesNotContain("model.manifest");
    JsonNode manifest = Manifests.readYaml(BUILT_IN_MODEL_MANIFEST);
    Map<String, String> shared =
        only(resources, ConfigMap.class, "doppel-shared").getData();

    assertThat(shared.get("DOPPEL_MODEL_ID")).isEqualTo(manifest.path("id").asText());
    assertThat(shared.get("DOPPEL_MODEL_VERSION"))
        .isEqualTo(manifest.path("version").asText());
    assertThat(shared.get("DOPPEL_MODEL_DIMENSION"))
        .isEqualTo(manifest.at("/output/dimension").asText());
  }

  @Test
  void reindexJobRunsTheReindexCommandWithItsOpsPortWhereTheProbeLooks() {
    List<HasMetadata> resources =
        Kustomize.render(Repository.K8S.resolve("jobs/reindex")).resources();
    Job job = ofKind(resources, Job.class).get(0);
    Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);

    assertThat(container.getArgs()).first().isEqualTo("reindex");
    assertThat(container.getArgs())
        .contains("--source-topic=" + Topics.UPLOADS, "--ops-port=" + Deployment.OPS_PORT);
    assertThat(container.getImage()).contains("doppel-reindex:");
    // the matcher's ConfigMap (envFrom) names its policy file under /etc/doppel/policy; reindex
    // reads it
    assertThat(container.getVolumeMounts())
        .anyMatch(mount ->
            mount.getName().equals("policy") && mount.getMountPath().equals("/etc/doppel/policy"));
    assertThat(job.getSpec().getTemplate().getSpec().getVolumes())
        .anyMatch(volume -> volume.getName().equals("policy")
            && volume.getConfigMap() != null
            && volume.getConfigMap().getName().equals("doppel-matcher-policy"));
  }

  // ---- application ids, autoscaling, topics ----------------------------------------------------

  @ParameterizedTest
  @MethodSource("overlays")
  void kedaScalesTheExtractorOnItsOwnConsumerGroupLag(String overlay) {
    List<HasMetadata> resources = render(overlay).resources();
    JsonNode scaledObject = Manifests.tree(only(resources, "ScaledObject", EXTRACTOR));

    assertThat(scaledObject.at("/spec/scaleTargetRef/name").asText()).isEqualTo(EXTRACTOR);
    assertThat(deployment(resources, EXTRACTOR)).isPresent();
    JsonNode trigger = scaledObject.at("/spec/triggers/0");
    assertThat(trigger.path("type").asText()).isEqualTo("kafka");
    assertThat(trigger.at("/metadata/consumerGroup").asText()).isEqualTo(EXTRACTOR);
    assertThat(trigger.at("/metadata/topic").asText()).isEqualTo(Topics.UPLOADS);
    assertThat(Integer.parseInt(trigger.at("/metadata/lagThreshold").asText())).isPositive();
    String authentication = trigger.at("/authenticationRef/name").asText();
    assertThat(resources)
        .as("TriggerAuthentication " + authentication)
        .anyMatch(resource -> resource.getKind().equals("TriggerAuthentication")
            && resource.getMetadata().getName().equals(authentication));

    int uploadsPartitions =
        topics(resources).get(Topics.UPLOADS).at("/spec/partitions").asInt();
    assertThat(scaledObject.at("/spec/maxReplicaCount").asInt())
        .as("extractor replicas beyond the partitions of " + Topics.UPLOADS + " sit idle")
        .isBetween(1, uploadsPartitions);
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void eachServiceRunsUnderItsApplicationId(String overlay) {
    List<HasMetadata> resources = render(overlay).resources();
    for (String applicationId : Deployment.APPLICATION_IDS) {
      assertThat(environment(resources, applicationId))
          .as(applicationId + " environment")
          .containsEntry(serviceVariable(applicationId, "APPLICATION_ID"), applicationId);
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void kafkaStreamsStateLivesOnTheMountedEmptyDir(String overlay) {
    List<HasMetadata> resources = render(overlay).resources();
    for (String applicationId : Deployment.APPLICATION_IDS) {
      assertThat(environment(resources, applicationId))
          .as(applicationId + " environment")
          .containsEntry(serviceVariable(applicationId, "DATA_DIR"), Deployment.STATE_DIR);
    }
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void kafkaSettingsAreOnlyWhatTheServicesAccept(String overlay) {
    List<HasMetadata> resources = render(overlay).resources();
    for (String applicationId : Deployment.APPLICATION_IDS) {
      Map<String, String> environment = environment(resources, applicationId);
      assertThat(environment.keySet())
          .as(applicationId + ": every other DOPPEL_KAFKA_* is refused as not a security setting")
          .filteredOn(name -> name.startsWith(KAFKA_PREFIX))
          .allMatch(name -> KAFKA_SETTING.matcher(name).matches());
      String truststore = environment.get("DOPPEL_KAFKA_SSL_TRUSTSTORE_LOCATION");
      PodSpec pod = deployment(resources, applicationId)
          .orElseThrow()
          .getSpec()
          .getTemplate()
          .getSpec();
      assertThat(pod.getContainers().get(0).getVolumeMounts())
          .as(applicationId + " mounts the Kafka CA at " + truststore)
          .anyMatch(mount -> truststore.startsWith(mount.getMountPath() + "/"));
      assertThat(environment.get("JAVA_TOOL_OPTIONS"))
          .contains("-Dlogback.configurationFile=" + Deployment.JSON_LOGBACK_CONFIGURATION);
    }
  }

  /**
   * Strimzi names the bootstrap Service {@code <cluster>-kafka-bootstrap} in the Kafka cluster's
   * namespace and labels the brokers {@code strimzi.io/cluster=<cluster>}; milvus-operator names
   * the Service {@code <name>-milvus} and labels the pods {@code app.kubernetes.io/instance=<name>}.
   * Kafka and Milvus run in their own namespaces, so every address is fully qualified (KEDA's
   * operator resolves short names in its own namespace) and every NetworkPolicy peer names the
   * namespace. A rename on one side only leaves pods that cannot connect or topics nobody creates.
   */
  @ParameterizedTest
  @MethodSource("overlays")
  void kafkaAndMilvusReferencesNameTheClustersThatExist(String overlay) {
    List<HasMetadata> resources = render(overlay).resources();
    HasMetadata kafka = resources.stream()
        .filter(resource -> resource.getKind().equals("Kafka"))
        .collect(java.util.stream.Collectors.collectingAndThen(
            java.util.stream.Collectors.toList(), list -> {
              assertThat(list).as("one Kafka cluster").hasSize(1);
              return list.get(0);
            }));
    String kafkaCluster = kafka.getMetadata().getName();
    String kafkaNamespace = kafka.getMetadata().getNamespace();
    String bootstrapHost = kafkaCluster + "-kafka-bootstrap." + kafkaNamespace + ".svc";
    JsonNode listeners = Manifests.tree(kafka).at("/spec/kafka/listeners");

    String bootstrap = only(resources, ConfigMap.class, "doppel-shared")
        .getData()
        .get("DOPPEL_KAFKA_BOOTSTRAP_SERVERS");
    assertThat(bootstrap).startsWith(bootstrapHost + ":");
    JsonNode servicesListener = listener(listeners, port(bootstrap));
    assertThat(servicesListener.at("/authentication/type").asText())
        .as("the services' listener")
        .isEqualTo("scram-sha-512");
    assertThat(servicesListener.path("tls").asBoolean())
        .as("the services' listener is TLS")
        .isTrue();
    for (String name : List.of(EXTRACTOR, MATCHER)) {
      JsonNode trigger =
          Manifests.tree(only(resources, "ScaledObject", name)).at("/spec/triggers/0/metadata");
      assertThat(trigger.path("bootstrapServers").asText()).as("KEDA " + name).isEqualTo(bootstrap);
    }
    assertThat(deployment(resources, "doppel-review-console")
            .orElseThrow()
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getEnvFrom())
        .as("the console reads Kafka and the registry from doppel-shared, as the services")
        .anySatisfy(
            source -> assertThat(source.getConfigMapRef().getName()).isEqualTo("doppel-shared"));

    topics(resources).forEach((name, topic) -> {
      assertThat(topic.at("/metadata/labels/strimzi.io~1cluster").asText())
          .as(name)
          .isEqualTo(kafkaCluster);
      assertThat(topic.at("/metadata/namespace").asText())
          .as(name + ": the Topic Operator watches its cluster's namespace")
          .isEqualTo(kafkaNamespace);
    });

    HasMetadata milvus = resources.stream()
        .filter(resource -> resource.getKind().equals("Milvus"))
        .findFirst()
        .orElseThrow();
    String milvusUri = only(resources, ConfigMap.class, "doppel-matcher-config")
        .getData()
        .get("DOPPEL_MILVUS_URI");
    assertThat(java.net.URI.create(milvusUri).getHost())
        .isEqualTo(milvus.getMetadata().getName() + "-milvus."
            + milvus.getMetadata().getNamespace() + ".svc");

    for (NetworkPolicy policy : ofKind(resources, NetworkPolicy.class)) {
      for (var rule : policy.getSpec().getEgress()) {
        for (var peer : rule.getTo()) {
          Map<String, String> labels =
              peer.getPodSelector() == null ? null : peer.getPodSelector().getMatchLabels();
          if (labels == null) {
            continue;
          }
          String where = "NetworkPolicy " + policy.getMetadata().getName() + " egress to " + labels;
          if (labels.containsKey("strimzi.io/cluster")) {
            assertThat(labels.get("strimzi.io/cluster")).as(where).isEqualTo(kafkaCluster);
            assertThat(peer.getNamespaceSelector().getMatchLabels())
                .as(where)
                .containsEntry("kubernetes.io/metadata.name", kafkaNamespace);
            rule.getPorts().forEach(port -> listener(listeners, port.getPort().getIntVal()));
          }
          if (labels.containsKey("app.kubernetes.io/instance")) {
            assertThat(labels.get("app.kubernetes.io/instance"))
                .as(where)
                .isEqualTo(milvus.getMetadata().getName());
            assertThat(peer.getNamespaceSelector().getMatchLabels())
                .as(where)
                .containsEntry(
                    "kubernetes.io/metadata.name", milvus.getMetadata().getNamespace());
          }
        }
      }
    }
  }

  /**
   * The services' KafkaUser may do what an exactly-once Streams application does, under the names
   * the code uses: read and write the topic table, create internal topics named after the
   * application id, join the group named after it, and use transactional ids that start with it.
   */
  @ParameterizedTest
  @MethodSource("overlays")
  void theServicesKafkaUserHasTheAclsOfExactlyOnceStreams(String overlay) {
    List<HasMetadata> resources = render(overlay).resources();
    JsonNode user = Manifests.tree(only(resources, "KafkaUser", "doppel"));
    assertThat(user.at("/spec/authentication/type").asText()).isEqualTo("scram-sha-512");
    JsonNode acls = user.at("/spec/authorization/acls");

    for (String topic : Topics.NAMES) {
      assertThat(allowed(acls, "topic", topic)).as(topic).contains("Read", "Write", "Describe");
    }
    for (String applicationId : Deployment.APPLICATION_IDS) {
      assertThat(allowed(acls, "topic", applicationId + "-KSTREAM-REPARTITION"))
          .as(applicationId + " internal topics")
          .contains("Create", "Read", "Write", "Delete");
      assertThat(allowed(acls, "group", applicationId))
          .as(applicationId + " group")
          .contains("Read");
      assertThat(allowed(acls, "transactionalId", applicationId + "-5f0c-1"))
          .as(applicationId + " transactional ids")
          .contains("Write", "Describe");
    }
    assertThat(allowed(acls, "group", "doppel-reindex-doppel-copy-v2")).contains("Read");
    assertThat(allowed(acls, "cluster", "kafka-cluster")).contains("IdempotentWrite");
  }

  /** The console reads the report topics (no group) and writes review decisions, nothing more. */
  @ParameterizedTest
  @MethodSource("overlays")
  void theConsolesKafkaUserMayReadReportsAndWriteDecisionsOnly(String overlay) {
    JsonNode acls = Manifests.tree(
            only(render(overlay).resources(), "KafkaUser", "doppel-review-console"))
        .at("/spec/authorization/acls");

    for (String topic : List.of(Topics.DUPLICATES, Topics.VIOLATIONS, Topics.OUTCOMES)) {
      assertThat(allowed(acls, "topic", topic))
          .as(topic)
          .containsExactlyInAnyOrder("Describe", "Read");
    }
    assertThat(allowed(acls, "topic", Topics.REVIEW_FEEDBACK))
        .containsExactlyInAnyOrder("Describe", "Write");
    assertThat(allowed(acls, "topic", Topics.UPLOADS)).isEmpty();
    assertThat(allowed(acls, "group", "doppel-review-console")).isEmpty();
    assertThat(allowed(acls, "transactionalId", "doppel-review-console")).isEmpty();
  }

  /** Operations the ACLs allow on one resource name, literal or by prefix. */
  private static Set<String> allowed(JsonNode acls, String type, String name) {
    Set<String> operations = new HashSet<>();
    for (JsonNode acl : acls) {
      JsonNode resource = acl.path("resource");
      if (!resource.path("type").asText().equals(type)) {
        continue;
      }
      String pattern = resource.path("name").asText("");
      boolean matches = type.equals("cluster")
          || (resource.path("patternType").asText("literal").equals("prefix")
              ? name.startsWith(pattern)
              : name.equals(pattern));
      if (matches && !acl.path("type").asText("allow").equals("deny")) {
        acl.path("operations").forEach(operation -> operations.add(operation.asText()));
      }
    }
    return operations;
  }

  private static int port(String hostPort) {
    return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
  }

  private static JsonNode listener(JsonNode listeners, int port) {
    for (JsonNode listener : listeners) {
      if (listener.path("port").asInt() == port) {
        return listener;
      }
    }
    throw new AssertionError("the Kafka cluster has no listener on port " + port);
  }

  /**
   * KEDA owns the replica count of both services: a Deployment it scales must not set
   * spec.replicas, or every apply resets it (GPU pods restarted, a Streams rebalance). Each
   * service scales on its own consumer group's lag, within the partitions of its input topic.
   */
  @ParameterizedTest
  @MethodSource("overlays")
  void bothServicesScaleOnTheirConsumerLagAndApplyNeverResetsTheirReplicas(String overlay) {
    List<HasMetadata> resources = render(overlay).resources();
    Map<String, String> inputs = Map.of(EXTRACTOR, Topics.UPLOADS, MATCHER, Topics.FEATURES);
    for (String applicationId : Deployment.APPLICATION_IDS) {
      JsonNode scaledObject = Manifests.tree(only(resources, "ScaledObject", applicationId));
      assertThat(scaledObject.at("/spec/scaleTargetRef/name").asText()).isEqualTo(applicationId);
      JsonNode lag = scaledObject.at("/spec/triggers/0");
      assertThat(lag.path("type").asText()).isEqualTo("kafka");
      assertThat(lag.at("/metadata/consumerGroup").asText()).isEqualTo(applicationId);
      assertThat(lag.at("/metadata/topic").asText()).isEqualTo(inputs.get(applicationId));
      int partitions = topics(resources)
          .get(inputs.get(applicationId))
          .at("/spec/partitions")
          .asInt();
      assertThat(scaledObject.at("/spec/maxReplicaCount").asInt())
          .as(applicationId + " replicas beyond the partitions of " + inputs.get(applicationId)
              + " sit idle")
          .isBetween(Math.max(1, scaledObject.at("/spec/minReplicaCount").asInt()), partitions);
      assertThat(deployment(resources, applicationId).orElseThrow().getSpec().getReplicas())
          .as(applicationId + " spec.replicas (KEDA owns it)")
          .isNull();

      PodDisruptionBudget budget = only(resources, PodDisruptionBudget.class, applicationId);
      assertThat(podsSelectedBy(resources, budget.getSpec().getSelector().getMatchLabels()))
          .as("pods covered by PDB " + applicationId)
          .containsExactly(applicationId);
    }
    assertThat(Manifests.tree(only(resources, "ScaledObject", MATCHER)).at("/spec/triggers"))
        .as("the matcher also scales on CPU (verification)")
        .anySatisfy(trigger -> assertThat(trigger.path("type").asText()).isEqualTo("cpu"));
    assertThat(ofKind(resources, HorizontalPodAutoscaler.class))
        .as("HPAs are KEDA's, not ours")
        .isEmpty();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void kafkaTopicsAreExactlyTheTopicTable(String overlay) {
    Map<String, JsonNode> topics = topics(render(overlay).resources());

    assertThat(topics.keySet()).containsExactlyInAnyOrderElementsOf(Topics.NAMES);
    topics.forEach((name, topic) -> {
      assertThat(topic.at("/metadata/labels/strimzi.io~1cluster").asText())
          .as(name)
          .isNotBlank();
      assertThat(topic.at("/spec/partitions").asInt()).as(name + " partitions").isPositive();
      assertThat(topic.at("/spec/config/cleanup.policy").asText())
          .as(name + " cleanup.policy")
          .isIn("delete", "compact", "compact,delete");
    });
    // The extractor bounds an upload's uploadedAt by its record's timestamp, which must be the
    // broker's.
    assertThat(topics
            .get("doppel.uploads")
            .at("/spec/config/message.timestamp.type")
            .asText())
        .as("doppel.uploads message.timestamp.type")
        .isEqualTo("LogAppendTime");
  }

  @Test
  void productionTopicsSurviveOneBrokerLoss() {
    Kustomize.Rendering rendering = render("production");
    topics(rendering.resources()).forEach((name, topic) -> {
      assertThat(topic.at("/spec/replicas").asInt()).as(name + " replicas").isEqualTo(3);
      assertThat(topic.at("/spec/config/min.insync.replicas").asText())
          .as(name + " min ISR")
          .isEqualTo("2");
    });
  }

  @Test
  void productionExtractorRunsOnGpuNodes() {
    List<HasMetadata> resources = render("production").resources();
    PodSpec pod =
        deployment(resources, EXTRACTOR).orElseThrow().getSpec().getTemplate().getSpec();

    Container extractor = pod.getContainers().get(0);
    assertThat(extractor.getResources().getRequests())
        .containsEntry(GPU_RESOURCE, new Quantity("1"));
    assertThat(extractor.getResources().getLimits()).containsEntry(GPU_RESOURCE, new Quantity("1"));
    assertThat(pod.getNodeSelector()).isNotEmpty();
    assertThat(pod.getTolerations())
        .anySatisfy(toleration -> assertThat(toleration.getKey()).isEqualTo(GPU_RESOURCE));
  }

  @Test
  void devOverlayRunsTheExtractorWithoutGpus() {
    Kustomize.Rendering rendering = render("dev");
    assumeTrue(
        rendering.patchesApplied(), "no kustomize and no kubectl: overlay patches not applied");
    PodSpec pod = deployment(rendering.resources(), EXTRACTOR)
        .orElseThrow()
        .getSpec()
        .getTemplate()
        .getSpec();

    assertThat(pod.getContainers().get(0).getResources().getRequests())
        .doesNotContainKey(GPU_RESOURCE);
    assertThat(pod.getContainers().get(0).getEnv())
        .contains(new EnvVar("DOPPEL_EXTRACTOR_MODEL_DEVICE", "cpu", null));
    assertThat(topics(rendering.resources()).values())
        .allSatisfy(topic -> assertThat(topic.at("/spec/replicas").asInt()).isEqualTo(1));
  }

  // ---- references ------------------------------------------------------------------------------

  @ParameterizedTest
  @MethodSource("renderable")
  void everyReferencedConfigMapAndServiceAccountExists(Path directory) {
    Kustomize.Rendering rendering = Kustomize.render(directory);
    // The jobs run beside an overlay and use its ConfigMaps.
    List<HasMetadata> available = new ArrayList<>(rendering.resources());
    available.addAll(render("production").resources());
    Set<String> configMaps = names(available, ConfigMap.class);
    Set<String> serviceAccounts = names(available, ServiceAccount.class);

    for (Workload workload : workloads(rendering.resources())) {
      assertThat(configMaps)
          .as(workload + " ConfigMaps")
          .containsAll(configMapsUsedBy(workload.pod()));
      String account = workload.pod().getServiceAccountName();
      assertThat(account).as(workload + " service account").isNotBlank();
      assertThat(serviceAccounts).as(workload + " service account").contains(account);
    }
  }

  @ParameterizedTest
  @MethodSource("renderable")
  void referencedSecretsAreDocumentedAndNeverCommitted(Path directory) throws IOException {
    List<HasMetadata> resources = Kustomize.render(directory).resources();
    Set<String> referenced = new LinkedHashSet<>();
    workloads(resources).forEach(workload -> referenced.addAll(secretsUsedBy(workload.pod())));
    resources.stream()
        .filter(resource -> resource.getKind().equals("TriggerAuthentication"))
        .forEach(auth -> Manifests.tree(auth)
            .at("/spec/secretTargetRef")
            .forEach(ref -> referenced.add(ref.path("name").asText())));
    ofKind(resources, io.fabric8.kubernetes.api.model.networking.v1.Ingress.class)
        .forEach(ingress ->
            ingress.getSpec().getTls().forEach(tls -> referenced.add(tls.getSecretName())));
    resources.stream()
        .filter(resource -> resource.getKind().equals("Milvus"))
        .map(milvus ->
            Manifests.tree(milvus).at("/spec/dependencies/storage/secretRef").asText(""))
        .filter(name -> !name.isEmpty())
        .forEach(referenced::add);

    assertThat(referenced).isNotEmpty();
    assertThat(documentedSecrets())
        .as("Secrets with a `kubectl create secret` command in docs/runbook.md")
        .containsAll(referenced);
    assertThat(ofKind(resources, Secret.class))
        .as("Secrets rendered by " + directory)
        .isEmpty();
  }

  /**
   * Every key a workload or KEDA reads from a Secret is a key the runbook's `kubectl create
   * secret` line creates: a key named differently there is a pod stuck in ContainerCreating.
   */
  @ParameterizedTest
  @MethodSource("renderable")
  void secretKeysUsedAreTheKeysTheRunbookCreates(Path directory) throws IOException {
    Map<String, Set<String>> created = documentedSecretKeys();
    List<HasMetadata> resources = Kustomize.render(directory).resources();
    Map<String, Set<String>> used = new java.util.TreeMap<>();
    for (Workload workload : workloads(resources)) {
      for (Volume volume : Optional.ofNullable(workload.pod().getVolumes()).orElse(List.of())) {
        if (volume.getSecret() != null && volume.getSecret().getItems() != null) {
          volume
              .getSecret()
              .getItems()
              .forEach(item -> used.computeIfAbsent(
                      volume.getSecret().getSecretName(), k -> new java.util.TreeSet<>())
                  .add(item.getKey()));
        }
      }
      for (Container container : workload.pod().getContainers()) {
        for (EnvVar env : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
          if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
            used.computeIfAbsent(
                    env.getValueFrom().getSecretKeyRef().getName(), k -> new java.util.TreeSet<>())
                .add(env.getValueFrom().getSecretKeyRef().getKey());
          }
        }
      }
    }
    resources.stream()
        .filter(resource -> resource.getKind().equals("TriggerAuthentication"))
        .forEach(auth -> Manifests.tree(auth)
            .at("/spec/secretTargetRef")
            .forEach(ref -> used.computeIfAbsent(
                    ref.path("name").asText(), k -> new java.util.TreeSet<>())
                .add(ref.path("key").asText())));
    ofKind(resources, io.fabric8.kubernetes.api.model.networking.v1.Ingress.class)
        .forEach(ingress -> ingress
            .getSpec()
            .getTls()
            .forEach(
                tls -> used.computeIfAbsent(tls.getSecretName(), k -> new java.util.TreeSet<>())
                    .addAll(List.of("tls.crt", "tls.key"))));

    assertThat(used).isNotEmpty();
    used.forEach((secret, keys) -> assertThat(created.getOrDefault(secret, Set.of()))
        .as("keys of Secret " + secret + " created in docs/runbook.md")
        .containsAll(keys));
  }

  /** Secret name → the keys its `kubectl create secret` command in the runbook creates. */
  static Map<String, Set<String>> documentedSecretKeys() throws IOException {
    String runbook = Files.readString(Repository.RUNBOOK).replace("\\\n", " ");
    Map<String, Set<String>> keys = new java.util.TreeMap<>();
    Matcher command = Pattern.compile(
            "kubectl (?:-n \\S+ )?create secret (\\S+) ([a-z0-9.-]+)([^\\n]*)")
        .matcher(runbook);
    while (command.find()) {
      Set<String> created = keys.computeIfAbsent(command.group(2), k -> new java.util.TreeSet<>());
      if (command.group(1).equals("tls")) {
        created.addAll(List.of("tls.crt", "tls.key"));
      }
      Matcher key =
          Pattern.compile("--from-(?:literal|file)=([A-Za-z0-9._-]+)=").matcher(command.group(3));
      while (key.find()) {
        created.add(key.group(1));
      }
    }
    return keys;
  }

  /**
   * Secrets reach every workload as mounted files (DOPPEL_*_FILE), never as environment values,
   * which `kubectl describe pod` and /proc/PID/environ show.
   */
  @ParameterizedTest
  @MethodSource("renderable")
  void workloadsReadSecretsFromFilesNotFromTheEnvironment(Path directory) {
    for (Workload workload : workloads(Kustomize.render(directory).resources())) {
      for (Container container : workload.pod().getContainers()) {
        assertThat(Optional.ofNullable(container.getEnv()).orElse(List.of()))
            .as(workload + " environment")
            .noneMatch(
                env -> env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null);
        assertThat(Optional.ofNullable(container.getEnvFrom()).orElse(List.of()))
            .as(workload + " environment")
            .noneMatch(source -> source.getSecretRef() != null);
      }
    }
  }

  @Test
  void noCommittedManifestCarriesSecretData() throws IOException {
    for (Path file : allYamlUnderK8s()) {
      for (HasMetadata resource : parseIfManifest(file)) {
        if (resource instanceof Secret secret) {
          assertThat(secret.getData()).as(file + " data").isNullOrEmpty();
          assertThat(secret.getStringData()).as(file + " stringData").isNullOrEmpty();
        }
      }
    }
  }

  // ---- images, security, resources -------------------------------------------------------------

  @ParameterizedTest
  @MethodSource("renderable")
  void imagesArePinnedByTag(Path directory) {
    List<HasMetadata> resources = Kustomize.render(directory).resources();
    List<String> images = new ArrayList<>();
    workloads(resources)
        .forEach(workload -> Stream.concat(
                workload.pod().getContainers().stream(),
                Optional.ofNullable(workload.pod().getInitContainers()).orElse(List.of()).stream())
            .forEach(container -> images.add(container.getImage())));
    resources.stream()
        .filter(resource -> resource.getKind().equals("Milvus"))
        .forEach(milvus ->
            images.add(Manifests.tree(milvus).at("/spec/components/image").asText()));

    assertThat(images).isNotEmpty().allSatisfy(ManifestInvariantsTest::assertPinned);
  }

  static void assertPinned(String image) {
    assertThat(image).as("image").isNotBlank();
    if (DIGEST.matcher(image).find()) {
      return;
    }
    String lastSegment = image.substring(image.lastIndexOf('/') + 1);
    assertThat(lastSegment).as(image + " has a tag").contains(":");
    String tag = lastSegment.substring(lastSegment.indexOf(':') + 1);
    assertThat(tag).as(image + " tag").isNotBlank().isNotEqualTo("latest");
  }

  @ParameterizedTest
  @MethodSource("renderable")
  void podsRunAsNonRootOnAReadOnlyRootWithWritableScratch(Path directory) {
    for (Workload workload : workloads(Kustomize.render(directory).resources())) {
      PodSpec pod = workload.pod();
      assertThat(pod.getSecurityContext().getRunAsNonRoot())
          .as(workload + " runAsNonRoot")
          .isTrue();
      // With the checks below: the "restricted" Pod Security Standard the runbook enforces.
      assertThat(pod.getSecurityContext().getSeccompProfile().getType())
          .as(workload + " seccomp")
          .isEqualTo("RuntimeDefault");
      assertThat(pod.getAutomountServiceAccountToken())
          .as(workload + " API token")
          .isFalse();
      Map<String, Volume> volumes = new java.util.HashMap<>();
      pod.getVolumes().forEach(volume -> volumes.put(volume.getName(), volume));
      for (Container container : pod.getContainers()) {
        String where = workload + " container " + container.getName();
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem())
            .as(where)
            .isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation())
            .as(where)
            .isFalse();
        assertThat(container.getSecurityContext().getCapabilities().getDrop())
            .as(where)
            .contains("ALL");
        for (String writable :
            workload.runsDoppel() ? List.of(TMP, Deployment.STATE_DIR) : List.of(TMP)) {
          VolumeMount mount = container.getVolumeMounts().stream()
              .filter(candidate -> candidate.getMountPath().equals(writable))
              .findFirst()
              .orElseThrow(() -> new AssertionError(where + " has no volume at " + writable));
          assertThat(volumes.get(mount.getName()).getEmptyDir())
              .as(where + " " + writable)
              .isNotNull();
        }
      }
    }
  }

  @ParameterizedTest
  @MethodSource("renderable")
  void everyContainerHasRequestsAndLimits(Path directory) {
    for (Workload workload : workloads(Kustomize.render(directory).resources())) {
      for (Container container : workload.pod().getContainers()) {
        String where = workload + " container " + container.getName();
        assertThat(container.getResources().getRequests())
            .as(where + " requests")
            .containsKeys("cpu", "memory");
        assertThat(container.getResources().getLimits())
            .as(where + " limits")
            .containsKey("memory");
        assertThat(container.getResources().getLimits().get("memory"))
            .as(where + " memory limit = request (no overcommit of a JVM heap)")
            .isEqualTo(container.getResources().getRequests().get("memory"));
      }
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /**
   * The service's own variable, e.g. DOPPEL_MATCHER_APPLICATION_ID (MatcherConfig) for
   * doppel-matcher: the services prefix their settings with their name.
   */
  private static String serviceVariable(String applicationId, String setting) {
    return applicationId.toUpperCase(java.util.Locale.ROOT).replace('-', '_') + "_" + setting;
  }

  /** The container environment of a Deployment: its ConfigMaps (envFrom), then its env values. */
  private static Map<String, String> environment(List<HasMetadata> resources, String name) {
    Container container = deployment(resources, name)
        .orElseThrow(() -> new AssertionError("no Deployment " + name))
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
    Map<String, String> environment = new java.util.LinkedHashMap<>();
    for (EnvFromSource source : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
      if (source.getConfigMapRef() != null) {
        environment.putAll(
            only(resources, ConfigMap.class, source.getConfigMapRef().getName()).getData());
      }
    }
    for (EnvVar env : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
      environment.put(
          env.getName(),
          env.getValue() != null ? env.getValue() : "<from " + env.getValueFrom() + ">");
    }
    return environment;
  }

  private static List<Workload> workloads(List<HasMetadata> resources) {
    List<Workload> workloads = new ArrayList<>();
    for (HasMetadata resource : resources) {
      if (resource instanceof io.fabric8.kubernetes.api.model.apps.Deployment deployment) {
        workloads.add(new Workload(
            "Deployment",
            deployment.getMetadata().getName(),
            deployment.getSpec().getTemplate().getSpec(),
            deployment.getSpec().getTemplate().getMetadata().getLabels()));
      } else if (resource instanceof Job job) {
        workloads.add(new Workload(
            "Job",
            job.getMetadata().getName(),
            job.getSpec().getTemplate().getSpec(),
            job.getSpec().getTemplate().getMetadata().getLabels()));
      }
    }
    assertThat(workloads).as("workloads").isNotEmpty();
    return workloads;
  }

  private static Set<String> configMapsUsedBy(PodSpec pod) {
    Set<String> names = new LinkedHashSet<>();
    for (Container container : pod.getContainers()) {
      for (EnvFromSource source : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
        if (source.getConfigMapRef() != null) {
          names.add(source.getConfigMapRef().getName());
        }
      }
      for (EnvVar env : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
        if (env.getValueFrom() != null && env.getValueFrom().getConfigMapKeyRef() != null) {
          names.add(env.getValueFrom().getConfigMapKeyRef().getName());
        }
      }
    }
    for (Volume volume : Optional.ofNullable(pod.getVolumes()).orElse(List.of())) {
      if (volume.getConfigMap() != null) {
        names.add(volume.getConfigMap().getName());
      }
    }
    return names;
  }

  private static Set<String> secretsUsedBy(PodSpec pod) {
    Set<String> names = new LinkedHashSet<>();
    for (Container container : pod.getContainers()) {
      for (EnvFromSource source : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
        if (source.getSecretRef() != null) {
          names.add(source.getSecretRef().getName());
        }
      }
      for (EnvVar env : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
        if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
          names.add(env.getValueFrom().getSecretKeyRef().getName());
        }
      }
    }
    for (Volume volume : Optional.ofNullable(pod.getVolumes()).orElse(List.of())) {
      if (volume.getSecret() != null) {
        names.add(volume.getSecret().getSecretName());
      }
    }
    return names;
  }

  static Set<String> documentedSecrets() throws IOException {
    assertThat(Repository.RUNBOOK).exists();
    Matcher matcher = DOCUMENTED_SECRET.matcher(Files.readString(Repository.RUNBOOK));
    Set<String> names = new LinkedHashSet<>();
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  private static Map<String, JsonNode> topics(List<HasMetadata> resources) {
    Map<String, JsonNode> topics = new java.util.TreeMap<>();
    resources.stream()
        .filter(resource -> resource.getKind().equals("KafkaTopic"))
        .map(Manifests::tree)
        .forEach(topic -> {
          String name =
              topic.at("/spec/topicName").asText(topic.at("/metadata/name").asText());
          assertThat(topics.put(name, topic))
              .as("KafkaTopic " + name + " declared twice")
              .isNull();
        });
    return topics;
  }

  /** Names of the Deployments whose pod labels match {@code selector}. */
  private static List<String> podsSelectedBy(
      List<HasMetadata> resources, Map<String, String> selector) {
    return ofKind(resources, io.fabric8.kubernetes.api.model.apps.Deployment.class).stream()
        .filter(deployment -> deployment
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getLabels()
            .entrySet()
            .containsAll(selector.entrySet()))
        .map(deployment -> deployment.getMetadata().getName())
        .toList();
  }

  private static Optional<io.fabric8.kubernetes.api.model.apps.Deployment> deployment(
      List<HasMetadata> resources, String name) {
    return ofKind(resources, io.fabric8.kubernetes.api.model.apps.Deployment.class).stream()
        .filter(deployment -> deployment.getMetadata().getName().equals(name))
        .findFirst();
  }

  private static <T extends HasMetadata> List<T> ofKind(
      List<HasMetadata> resources, Class<T> type) {
    return resources.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static <T extends HasMetadata> Set<String> names(
      List<HasMetadata> resources, Class<T> type) {
    Set<String> names = new HashSet<>();
    ofKind(resources, type).forEach(resource -> names.add(resource.getMetadata().getName()));
    return names;
  }

  private static <T extends HasMetadata> T only(
      List<HasMetadata> resources, Class<T> type, String name) {
    List<T> matches = ofKind(resources, type).stream()
        .filter(resource -> resource.getMetadata().getName().equals(name))
        .toList();
    assertThat(matches).as(type.getSimpleName() + "/" + name).hasSize(1);
    return matches.get(0);
  }

  private static HasMetadata only(List<HasMetadata> resources, String kind, String name) {
    List<HasMetadata> matches = resources.stream()
        .filter(resource ->
            resource.getKind().equals(kind) && resource.getMetadata().getName().equals(name))
        .toList();
    assertThat(matches).as(kind + "/" + name).hasSize(1);
    return matches.get(0);
  }

  /** Manifest files: every file a kustomization lists as a resource. */
  private static List<Path> manifestFiles() {
    Set<Path> files = new LinkedHashSet<>();
    renderable().forEach(directory -> files.addAll(Kustomize.resourceFiles(directory)));
    return new ArrayList<>(files);
  }

  private static List<Path> allYamlUnderK8s() throws IOException {
    try (Stream<Path> walk = Files.walk(Repository.K8S)) {
      return walk.filter(
              path -> path.toString().endsWith(".yaml") || path.toString().endsWith(".yml"))
          .filter(path -> !path.startsWith(Repository.K8S.resolve("target")))
          .filter(path -> !path.startsWith(Repository.K8S.resolve("src")))
          .toList();
    }
  }

  /** Kustomizations and JSON patches are not manifests; everything else must parse. */
  private static List<HasMetadata> parseIfManifest(Path file) {
    JsonNode tree = Manifests.readYaml(file);
    if (tree == null
        || tree.isArray()
        || Objects.equals(tree.path("kind").asText(), "Kustomization")) {
      return List.of();
    }
    return Manifests.parse(file);
  }
}
