package io.doppel.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every object that kustomize renders from base, each overlay, each component and the re-index
 * job is valid, strictly, against the vendored Kubernetes schemas of 1.31, 1.32 and 1.33 and the
 * CRDs of the operator versions Doppel targets. This is what `kubectl apply --validate=strict`
 * would say on a cluster of that version with those operators installed, without the cluster.
 */
class SchemaValidationTest {

  static Stream<Arguments> renderedTrees() {
    List<Arguments> arguments = new ArrayList<>();
    for (String version : Schemas.KUBERNETES_VERSIONS) {
      for (Path directory : Repository.renderable()) {
        arguments.add(
            Arguments.of(version, Repository.ROOT.relativize(directory).toString()));
      }
    }
    return arguments.stream();
  }

  private static List<JsonNode> rendered(String directory) {
    Path path = Repository.ROOT.resolve(directory);
    assumeTrue(
        Kustomize.realRendererAvailable(),
        "SKIPPED: neither the pinned kustomize (k8s/tools/go-tool.sh, needs Go) nor kubectl is available");
    return Manifests.documents(Kustomize.renderedYaml(path).orElseThrow());
  }

  @ParameterizedTest(name = "Kubernetes {0}: {1}")
  @MethodSource("renderedTrees")
  void everyRenderedObjectIsValid(String kubernetesVersion, String directory) {
    Schemas schemas = Schemas.forKubernetes(kubernetesVersion);
    List<JsonNode> objects = rendered(directory);
    List<String> errors = new ArrayList<>();
    objects.forEach(object -> errors.addAll(schemas.validate(object)));

    assertThat(objects).as(directory + " renders objects").isNotEmpty();
    assertThat(errors)
        .as(directory + " against Kubernetes " + kubernetesVersion + " and " + Schemas.CRD_BUNDLES)
        .isEmpty();
    System.out.printf(
        "schema-valid: %s on Kubernetes %s: %d objects%n",
        directory, kubernetesVersion, objects.size());
  }

  // ---- the validation catches what a cluster would refuse
  // ----------------------------------------

  @Test
  void aKafkaTopicOfTheRemovedV1beta2ApiFails() {
    JsonNode topic = firstOfKind("KafkaTopic");
    assertThat(topic.path("apiVersion").asText()).isEqualTo("kafka.strimzi.io/v1");
    assertThat(Schemas.forKubernetes("v1.33").validate(topic)).isEmpty();

    ObjectNode old = topic.deepCopy();
    old.put("apiVersion", "kafka.strimzi.io/v1beta2");
    List<String> errors = Schemas.forKubernetes("v1.33").validate(old);

    System.out.println("a v1beta2 KafkaTopic: " + errors);
    assertThat(errors)
        .singleElement()
        .asString()
        .contains("no schema serves apiVersion kafka.strimzi.io/v1beta2 kind KafkaTopic");
  }

  @Test
  void strimziOfTheTargetedReleaseServesOnlyV1() {
    assertThat(Schemas.forKubernetes("v1.33").servedKinds())
        .filteredOn(kind -> kind.startsWith("kafka.strimzi.io/"))
        .containsExactlyInAnyOrder(
            "kafka.strimzi.io/v1 Kafka", "kafka.strimzi.io/v1 KafkaNodePool",
            "kafka.strimzi.io/v1 KafkaTopic", "kafka.strimzi.io/v1 KafkaUser");
  }

  @Test
  void anUnknownFieldInACoreObjectFails() {
    ObjectNode deployment = firstOfKind("Deployment").deepCopy();
    ((ObjectNode) deployment.path("spec")).put("replica", 3);

    assertThat(Schemas.forKubernetes("v1.31").validate(deployment))
        .anySatisfy(error -> assertThat(error).contains("replica"));
  }

  @Test
  void anUnknownFieldInACustomResourceFails() {
    ObjectNode scaledObject = firstOfKind("ScaledObject").deepCopy();
    ((ObjectNode) scaledObject.path("spec")).put("maxReplicas", 3);
    ObjectNode topic = firstOfKind("KafkaTopic").deepCopy();
    ((ObjectNode) topic.path("spec")).put("partitions", "twelve");

    assertThat(Schemas.forKubernetes("v1.32").validate(scaledObject))
        .anySatisfy(error -> assertThat(error).contains("maxReplicas"));
    assertThat(Schemas.forKubernetes("v1.32").validate(topic))
        .anySatisfy(error -> assertThat(error).contains("partitions"));
  }

  @Test
  void aWrongTypeDeepInAPodTemplateFails() {
    ObjectNode deployment = firstOfKind("Deployment").deepCopy();
    ObjectNode container = (ObjectNode) deployment.at("/spec/template/spec/containers/0");
    container.putArray("ports").addObject().put("containerPort", "eighty");

    assertThat(Schemas.forKubernetes("v1.33").validate(deployment))
        .anySatisfy(error -> assertThat(error).contains("containerPort"));
  }

  private static JsonNode firstOfKind(String kind) {
    return rendered("k8s/overlays/production").stream()
        .filter(object -> object.path("kind").asText().equals(kind))
        .findFirst()
        .orElseThrow(() -> new AssertionError("production renders no " + kind));
  }
}
