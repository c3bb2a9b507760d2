package io.doppel.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.AnnotationKeyword;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.doppel.schemas.Topics;
import io.doppel.topology.ops.Deployment;
import io.doppel.topology.ops.DoppelMeter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The compose stack, Prometheus rules and Grafana dashboard in deploy/: the compose files are
 * valid against the Compose Specification's JSON schema (no Docker engine needed), and the names
 * they use are the code's.
 */
class DeployStackTest {

  private static final String COMPOSE_SCHEMA = "/compose-spec/compose-spec.json";
  private static final Pattern DOPPEL_SERIES = Pattern.compile("\\bdoppel_[a-z_]+\\b");
  private static final Pattern CREATED_TOPIC = Pattern.compile("--topic (\\S+)");
  private static final Pattern RECORDED = Pattern.compile("doppel:[a-z_:0-9]+");
  private static final List<String> HISTOGRAM_SUFFIXES = List.of("_bucket", "_count", "_sum");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonSchema composeSchema;

  @BeforeAll
  static void loadSchema() throws IOException {
    try (InputStream schema = DeployStackTest.class.getResourceAsStream(COMPOSE_SCHEMA)) {
      assertThat(schema).as(COMPOSE_SCHEMA).isNotNull();
      // The schema still uses draft-04's "id" beside "$schema": 2019-09; read it as an annotation.
      JsonMetaSchema draft201909 = JsonMetaSchema.builder(JsonMetaSchema.getV201909())
          .keyword(new AnnotationKeyword("id"))
          .build();
      // Compose's own "duration" format is Go's (60s), not ISO 8601: check structure, not formats.
      composeSchema = JsonSchemaFactory.getInstance(
              SpecVersion.VersionFlag.V201909, factory -> factory.metaSchema(draft201909))
          .getSchema(
              schema,
              SchemaValidatorsConfig.builder().formatAssertionsEnabled(false).build());
    }
  }

  // ---- compose ---------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"compose.yaml", "compose.cpu.yaml"})
  void composeFilesAreValidAgainstTheComposeSpecification(String file) {
    JsonNode compose = ComposeYaml.load(Repository.DEPLOY.resolve(file));

    Set<ValidationMessage> errors = composeSchema.validate(compose);

    assertThat(errors).as(file + " against compose-spec.json").isEmpty();
  }

  @Test
  void theSchemaCatchesMistakes() {
    JsonNode broken = JSON.createObjectNode()
        .set(
            "services",
            JSON.createObjectNode()
                .set(
                    "extractor",
                    JSON.createObjectNode().put("imagee", "x:1").put("read_only", "yes")));

    assertThat(composeSchema.validate(broken))
        .extracting(ValidationMessage::getMessage)
        .anyMatch(message -> message.contains("imagee"))
        .anyMatch(message -> message.contains("read_only"));
  }

  @Test
  void composeImagesArePinnedByTag() {
    JsonNode services = compose().path("services");
    services.properties().forEach(service -> {
      assertThat(service.getValue().hasNonNull("image"))
          .as(service.getKey() + " image")
          .isTrue();
      ManifestInvariantsTest.assertPinned(service.getValue().path("image").asText());
    });
  }

  @Test
  void extractorReservesAGpuAndTheCpuOverrideRemovesIt() {
    JsonNode device = compose().at("/services/extractor/deploy/resources/reservations/devices/0");
    assertThat(device.path("driver").asText()).isEqualTo("nvidia");
    assertThat(device.path("capabilities").toString()).contains("gpu");

    JsonNode cpu =
        ComposeYaml.load(Repository.DEPLOY.resolve("compose.cpu.yaml")).at("/services/extractor");
    assertThat(cpu.path("deploy").isEmpty()).as("deploy: !reset {}").isTrue();
    assertThat(cpu.at("/environment/DOPPEL_EXTRACTOR_MODEL_DEVICE").asText()).isEqualTo("cpu");
  }

  @Test
  void servicesRunAsNonRootOnAReadOnlyRootWithTheirApplicationIds() {
    for (String service : List.of("extractor", "matcher")) {
      JsonNode definition = compose().at("/services/" + service);
      assertThat(definition.path("read_only").asBoolean()).as(service).isTrue();
      assertThat(definition.path("user").asText())
          .as(service)
          .doesNotStartWith("0")
          .isNotBlank();
      assertThat(definition.path("tmpfs").toString()).contains("/tmp", Deployment.STATE_DIR);
      String prefix = "/environment/DOPPEL_" + service.toUpperCase(Locale.ROOT) + "_";
      assertThat(definition.at(prefix + "DATA_DIR").asText()).isEqualTo(Deployment.STATE_DIR);
      assertThat(definition.at(prefix + "APPLICATION_ID").asText()).isEqualTo("doppel-" + service);
    }
    assertThat(Deployment.APPLICATION_IDS).containsExactly("doppel-extractor", "doppel-matcher");
  }

  /** ONNX Runtime, OpenCV and RocksDB load native libraries they unpack into /tmp. */
  @Test
  void scratchSpaceAllowsExecAndKafkaKeepsItsDataOnItsVolume() {
    JsonNode services = compose().path("services");
    for (String service : List.of("extractor", "matcher", "review-console")) {
      assertThat(services.at("/" + service + "/tmpfs").toString())
          .as(service + " /tmp")
          .containsPattern("/tmp:[^\"]*\\bexec\\b")
          .doesNotContain("noexec");
    }
    JsonNode kafka = services.path("kafka");
    String logDirs = kafka.at("/environment/KAFKA_LOG_DIRS").asText();
    assertThat(logDirs)
        .as("KAFKA_LOG_DIRS (unset: /tmp/kraft-combined-logs inside the container)")
        .isNotBlank();
    assertThat(kafka.path("volumes").toString())
        .as("Kafka's log dir is a volume")
        .contains(":" + logDirs);
  }

  /** Every long-running service says when it is healthy, and nothing starts before what it needs is. */
  @Test
  void everyServiceHasAHealthcheckAndDependentsWaitForIt() {
    JsonNode services = compose().path("services");
    Set<String> oneShot = Set.of("kafka-init");
    services.properties().forEach(service -> {
      if (!oneShot.contains(service.getKey())) {
        assertThat(service.getValue().path("healthcheck").path("test").isMissingNode())
            .as(service.getKey() + " healthcheck")
            .isFalse();
      }
      service
          .getValue()
          .path("depends_on")
          .properties()
          .forEach(
              dependency -> assertThat(dependency.getValue().path("condition").asText())
                  .as(service.getKey() + " waits for " + dependency.getKey())
                  .isEqualTo(
                      oneShot.contains(dependency.getKey())
                          ? "service_completed_successfully"
                          : "service_healthy"));
    });
    assertThat(services.at("/matcher/healthcheck/test").toString())
        .contains(Deployment.READINESS_PATH);
  }

  @Test
  void composeServicesAgreeOnTheBuiltInModel() {
    JsonNode manifest = Manifests.readYaml(ManifestInvariantsTest.BUILT_IN_MODEL_MANIFEST);
    for (String service : List.of("extractor", "matcher")) {
      JsonNode environment = compose().at("/services/" + service + "/environment");
      assertThat(environment.path("DOPPEL_MODEL_ID").asText())
          .as(service)
          .isEqualTo(manifest.path("id").asText());
      assertThat(environment.path("DOPPEL_MODEL_VERSION").asText())
          .as(service)
          .isEqualTo(manifest.path("version").asText());
      assertThat(environment.path("DOPPEL_MODEL_DIMENSION").asText())
          .as(service)
          .isEqualTo(manifest.at("/output/dimension").asText());
    }
  }

  @Test
  void composeCreatesExactlyTheTopicTable() {
    String script = compose().at("/services/kafka-init/command").toString();
    Matcher matcher = CREATED_TOPIC.matcher(script);
    List<String> created = new ArrayList<>();
    while (matcher.find()) {
      created.add(matcher.group(1));
    }

    assertThat(created).containsExactlyInAnyOrderElementsOf(Topics.NAMES);
  }

  // ---- images ----------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(
      strings = {
        "extractor.Dockerfile",
        "matcher.Dockerfile",
        "reindex.Dockerfile",
        "review-console.Dockerfile"
      })
  void imagesArePinnedNonRootAndRunTheJvmAsPidOne(String file) throws IOException {
    List<String> lines = Files.readAllLines(Repository.DEPLOY.resolve(file));
    List<String> bases = lines.stream()
        .filter(line -> line.startsWith("FROM "))
        .map(line -> line.split("\\s+")[1])
        .toList();
    String runtimeStage = lines.stream()
        .filter(line -> line.startsWith("FROM "))
        .reduce((a, b) -> b)
        .orElseThrow();
    List<String> afterRuntime = lines.subList(lines.indexOf(runtimeStage), lines.size());
    String user = afterRuntime.stream()
        .filter(line -> line.startsWith("USER "))
        .findFirst()
        .orElseThrow(() -> new AssertionError(file + " runtime stage sets no USER"));
    String text = String.join("\n", lines);

    assertThat(bases)
        .as(file + " base images")
        .isNotEmpty()
        .allSatisfy(ManifestInvariantsTest::assertPinned);
    assertThat(user.substring("USER ".length()).split(":")[0])
        .as(file + " user")
        .isNotIn("0", "root");
    assertThat(text)
        .as(file)
        .contains("--enable-native-access=ALL-UNNAMED")
        .contains("-Dlogback.configurationFile=" + Deployment.JSON_LOGBACK_CONFIGURATION)
        .contains("exec java")
        .containsPattern(
            "(?m)^HEALTHCHECK .*\\n\\s+CMD \\[\"/bin/bash\", \"-c\", \"exec 3<>/dev/tcp/127\\.0\\.0\\.1/");
    if (file.equals("review-console.Dockerfile")) {
      assertThat(text).contains("EXPOSE 8090").contains("GET / HTTP/1.0");
    } else {
      assertThat(text)
          .as(file)
          .contains("EXPOSE " + Deployment.OPS_PORT)
          .contains("mkdir -p " + Deployment.STATE_DIR)
          .contains("GET " + Deployment.LIVENESS_PATH + " HTTP/1.0");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"extractor.Dockerfile", "reindex.Dockerfile"})
  void imagesThatExtractAreTheCudaBuild(String file) throws IOException {
    String dockerfile = Files.readString(Repository.DEPLOY.resolve(file));
    assertThat(dockerfile)
        .contains("-Pgpu")
        .containsPattern("FROM nvidia/cuda:[^\\s]*cudnn[^\\s]*runtime");
  }

  @Test
  void servicesAndTheReindexJobRunTheMainClassesThatExist() throws IOException {
    assertThat(Files.readString(Repository.DEPLOY.resolve("extractor.Dockerfile")))
        .contains("DOPPEL_MAIN_CLASS=io.doppel.extractor.service.ExtractorService");
    assertThat(Files.readString(Repository.DEPLOY.resolve("matcher.Dockerfile")))
        .contains("DOPPEL_MAIN_CLASS=io.doppel.matcher.MatcherService");
    assertThat(Files.readString(Repository.DEPLOY.resolve("reindex.Dockerfile")))
        .contains("DOPPEL_MAIN_CLASS=io.doppel.standalone.Doppel");
    assertThat(Files.readString(Repository.DEPLOY.resolve("review-console.Dockerfile")))
        .contains("DOPPEL_MAIN_CLASS=io.doppel.review.ReviewConsoleMain");
    assertThat(Repository.ROOT.resolve(
            "review-console/src/main/java/io/doppel/review/ReviewConsoleMain.java"))
        .exists();
    for (String source : List.of(
        "extractor-service/src/main/java/io/doppel/extractor/service/ExtractorService.java",
        "matcher-service/src/main/java/io/doppel/matcher/MatcherService.java",
        "standalone/src/main/java/io/doppel/standalone/Doppel.java")) {
      assertThat(Repository.ROOT.resolve(source)).exists();
    }
    assertThat(Files.readString(
            Repository.ROOT.resolve("standalone/src/main/java/io/doppel/standalone/Doppel.java")))
        .as("the command the reindex Job runs")
        .contains("case \"reindex\"");
  }

  // ---- prometheus ------------------------------------------------------------------------------

  @Test
  void prometheusScrapesBothServicesOnTheOpsPort() {
    JsonNode config = Manifests.readYaml(Repository.DEPLOY.resolve("prometheus/prometheus.yml"));
    Set<String> composeServices = fieldNames(compose().path("services"));
    List<String> jobs = new ArrayList<>();
    for (JsonNode job : config.path("scrape_configs")) {
      jobs.add(job.path("job_name").asText());
      assertThat(job.path("metrics_path").asText()).isEqualTo(Deployment.METRICS_PATH);
      for (JsonNode target : job.at("/static_configs/0/targets")) {
        String[] hostPort = target.asText().split(":");
        assertThat(composeServices).as("scrape target host").contains(hostPort[0]);
        assertThat(Integer.parseInt(hostPort[1])).isEqualTo(Deployment.OPS_PORT);
      }
    }
    assertThat(jobs).containsExactlyInAnyOrderElementsOf(Deployment.APPLICATION_IDS);
    assertThat(config.path("rule_files").toString()).contains("alerts.yml");
  }

  /** Where every runbook_url points: the runbook in the project's repository, by section. */
  static final String RUNBOOK_URL =
      "https://github.com/doppel-project/doppel/blob/main/docs/runbook.md#";

  @Test
  void alertsUseRegisteredMetricsAndLinkToRunbookSections() throws IOException {
    JsonNode rules = Manifests.readYaml(Repository.DEPLOY.resolve("prometheus/alerts.yml"));
    Set<String> anchors = runbookAnchors();
    List<String> alerts = new ArrayList<>();
    List<String> recorded = new ArrayList<>();
    for (JsonNode group : rules.path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        String expr = rule.path("expr").asText();
        if (rule.has("record")) {
          recorded.add(rule.path("record").asText());
          assertThat(seriesIn(expr))
              .as(rule.path("record").asText() + " series")
              .isSubsetOf(knownSeries());
          continue;
        }
        String alert = rule.path("alert").asText();
        alerts.add(alert);
        assertThat(expr).as(alert + " expr").isNotBlank();
        assertThat(seriesIn(expr)).as(alert + " series").isSubsetOf(knownSeries());
        assertThat(rule.at("/labels/severity").asText()).as(alert).isIn("warning", "critical");
        assertThat(rule.at("/annotations/summary").asText()).as(alert).isNotBlank();
        String runbook = rule.at("/annotations/runbook_url").asText();
        assertThat(runbook).as(alert + " runbook_url, absolute").startsWith(RUNBOOK_URL);
        assertThat(anchors)
            .as(alert + " runbook section")
            .contains(runbook.substring(runbook.indexOf('#') + 1));
        Matcher recordedName = RECORDED.matcher(expr);
        while (recordedName.find()) {
          assertThat(recorded)
              .as(alert + " reads a recorded series defined before it")
              .contains(recordedName.group());
        }
      }
    }
    assertThat(rules.at("/groups/0/rules/0/alert").asText()).isEqualTo("DoppelConsumerLagGrowing");
    assertThat(rules.at("/groups/0/rules/0/expr").asText())
        .as(
            "lag of the main consumers only, as exposed by the Kafka Streams binder, per stage and topic")
        .contains(Deployment.CONSUMER_LAG_SERIES)
        .contains(mainConsumerSelector())
        .contains("by (namespace, application, topic)");
    assertThat(alerts)
        .contains(
            "DoppelConsumerLagGrowing",
            "DoppelDeadLettersRising",
            "DoppelDeadLettersFromFaults",
            "DoppelMilvusCircuitOpen",
            "DoppelModelOnCpu",
            "DoppelPodsNotReady",
            "DoppelDecisionLatencyBudgetBurn",
            "DoppelDecisionLatencyBudgetBurnSlow");
  }

  /** The dead-letter alerts split the reasons by name: every name must be a real DeadLetterReason. */
  @Test
  void deadLetterAlertsNameRealReasons() {
    JsonNode rules = Manifests.readYaml(Repository.DEPLOY.resolve("prometheus/alerts.yml"));
    Set<String> reasons = Arrays.stream(io.doppel.schemas.avro.DeadLetterReason.values())
        .map(Enum::name)
        .collect(Collectors.toSet());
    Matcher matcher = Pattern.compile("reason[!=]~\"([A-Z_|]+)\"")
        .matcher(rules.toString().replace("\\\"", "\""));
    int found = 0;
    while (matcher.find()) {
      found++;
      assertThat(Set.of(matcher.group(1).split("\\|"))).isSubsetOf(reasons);
    }
    assertThat(found).as("reason selectors in the dead-letter alerts").isGreaterThanOrEqualTo(2);
  }

  /** The SLO reads the histogram bucket at the threshold the code registers, and its objective. */
  @Test
  void theLatencySloReadsTheBucketTheMatcherRegisters() {
    JsonNode rules = Manifests.readYaml(Repository.DEPLOY.resolve("prometheus/alerts.yml"));
    double threshold =
        io.doppel.topology.ops.DoppelMeters.DECISION_SLO_THRESHOLD.toMillis() / 1000.0;
    double budget = 1 - io.doppel.topology.ops.DoppelMeters.DECISION_SLO_OBJECTIVE;
    String text = rules.toString();

    assertThat(text)
        .contains(DoppelMeter.DECISION_LATENCY.prometheusName() + "_bucket{le=\\\"" + threshold
            + "\\\"}");
    for (String factor : List.of("14.4", "6", "3", "1")) {
      assertThat(text).contains("> " + factor + " * " + String.format(Locale.ROOT, "%.2f", budget));
    }
  }

  // ---- grafana ---------------------------------------------------------------------------------

  @Test
  void dashboardChartsEveryDoppelMeterAndNothingUnknown() throws IOException {
    Path dashboardFile = Repository.DEPLOY.resolve("grafana/dashboards/doppel-overview.json");
    JsonNode dashboard = JSON.readTree(dashboardFile.toFile());
    Set<String> charted = new LinkedHashSet<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        charted.addAll(seriesIn(target.path("expr").asText()));
      }
      assertThat(panel.at("/datasource/uid").asText())
          .as("panels use the datasource variable")
          .isEqualTo("${datasource}");
    }
    JsonNode variable = java.util.stream.StreamSupport.stream(
            dashboard.at("/templating/list").spliterator(), false)
        .filter(candidate -> candidate.path("name").asText().equals("datasource"))
        .findFirst()
        .orElseThrow();
    assertThat(variable.path("type").asText()).isEqualTo("datasource");
    assertThat(variable.at("/current/value").asText())
        .as("the compose stack's provisioned Prometheus by default")
        .isEqualTo(prometheusDatasourceUid());

    assertThat(charted).isSubsetOf(knownSeries());
    assertThat(dashboard.findValuesAsText("expr"))
        .as("consumer lag panel")
        .anySatisfy(expr -> assertThat(expr)
            .contains(Deployment.CONSUMER_LAG_SERIES)
            .contains(mainConsumerSelector()));
    assertThat(charted)
        .containsAll(
            Arrays.stream(DoppelMeter.values()).map(DoppelMeter::prometheusName).toList());
  }

  private static String prometheusDatasourceUid() {
    JsonNode datasource = Manifests.readYaml(
            Repository.DEPLOY.resolve("grafana/provisioning/datasources/prometheus.yaml"))
        .at("/datasources/0");
    assertThat(datasource.path("url").asText()).isEqualTo("http://prometheus:9090");
    return datasource.path("uid").asText();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static String mainConsumerSelector() {
    return "client_id=~\"" + Deployment.MAIN_CONSUMER_CLIENT_ID_REGEX + "\"";
  }

  private static JsonNode compose() {
    return ComposeYaml.load(Repository.DEPLOY.resolve("compose.yaml"));
  }

  private static Set<String> knownSeries() {
    return Arrays.stream(DoppelMeter.values())
        .map(DoppelMeter::prometheusName)
        .collect(Collectors.toSet());
  }

  /** The doppel_* series an expression reads, histogram suffixes removed. */
  private static Set<String> seriesIn(String expression) {
    Set<String> series = new LinkedHashSet<>();
    Matcher matcher = DOPPEL_SERIES.matcher(expression);
    while (matcher.find()) {
      String name = matcher.group();
      for (String suffix : HISTOGRAM_SUFFIXES) {
        if (name.endsWith(suffix) && !knownSeries().contains(name)) {
          name = name.substring(0, name.length() - suffix.length());
        }
      }
      series.add(name);
    }
    return series;
  }

  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
  private static Set<String> runbookAnchors() throws IOException {
    return Files.readAllLines(Repository.RUNBOOK).stream()
        .filter(line -> line.startsWith("#"))
        .map(line -> line.replaceFirst("^#+\\s*", "")
            .toLowerCase(Locale.ROOT)
            .replaceAll("[^a-z0-9 _-]", "")
            .replace(' ', '-'))
        .collect(Collectors.toSet());
  }

  private static Set<String> fieldNames(JsonNode node) {
    Set<String> names = new LinkedHashSet<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
