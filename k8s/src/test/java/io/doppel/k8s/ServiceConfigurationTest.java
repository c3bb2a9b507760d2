package io.doppel.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.doppel.extractor.service.ServiceSettings;
import io.doppel.matcher.MatcherConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each program reads the environment its rendered pod gets with its own configuration reader (the
 * one its main method uses), so a variable it does not know, a deprecated name, a missing required
 * setting, a bad value or a file setting pointing where nothing is mounted fails here instead of
 * in a crash-looping pod. Mounted files are stood in for by temporary files: ConfigMap volumes
 * with the rendered data, Secret volumes with well-formed dummies.
 */
class ServiceConfigurationTest {

  /** Dummy Secret contents by key, shaped like the real ones (docs/runbook.md, "Secrets"). */
  private static final Map<String, String> SECRET_DUMMIES = Map.of(
      "sasl.jaas.config",
          "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"doppel\" password=\"dummy-password-0123\";",
      "ca.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
      "token", "doppel:dummy-password-0123",
      "secret", "dummy-session-secret-0123456789abcdef",
      "username", "doppel",
      "password", "dummy-password-0123");

  @TempDir
  Path mounts;

  static List<String> overlays() {
    return Repository.OVERLAYS;
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theExtractorAcceptsItsEnvironment(String overlay) throws IOException {
    Map<String, String> environment = environment(overlay, "doppel-extractor");
    assertNoDeprecatedNames(environment);

    ServiceSettings.Both settings = ServiceSettings.fromEnvironment(environment);

    assertThat(settings.service()).isNotNull();
    assertThat(settings.extractor()).isNotNull();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theMatcherAcceptsItsEnvironment(String overlay) throws IOException {
    Map<String, String> environment = environment(overlay, "doppel-matcher");
    assertNoDeprecatedNames(environment);

    MatcherConfig config = MatcherConfig.from(environment);

    assertThat(config.matching().policyFile())
        .as("the mounted policy, not the bundled one")
        .isNotNull();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theReviewConsoleAcceptsItsEnvironment(String overlay) throws Exception {
    Map<String, String> environment = environment(overlay, "doppel-review-console");
    assertNoDeprecatedNames(environment);
    assertThatCode(() -> io.doppel.review.ReviewConsoleMain.read(environment))
        .doesNotThrowAnyException();
  }

  private static void assertNoDeprecatedNames(Map<String, String> environment) {
    assertThat(environment.keySet())
        .as("variables read only for one more release")
        .doesNotContainAnyElementsOf(io.doppel.topology.config.ConfigReader.deprecatedVariables());
  }

  /**
   * The container environment of a Deployment as the pod sees it: envFrom ConfigMaps, then env
   * values (ConfigMap key references resolved), every path under a volume mount redirected to a
   * temporary file with that volume's content.
   */
  private Map<String, String> environment(String overlay, String deployment) throws IOException {
    List<HasMetadata> resources = Kustomize.render(Repository.overlay(overlay)).resources();
    PodSpec pod = resources.stream()
        .filter(io.fabric8.kubernetes.api.model.apps.Deployment.class::isInstance)
        .map(io.fabric8.kubernetes.api.model.apps.Deployment.class::cast)
        .filter(candidate -> candidate.getMetadata().getName().equals(deployment))
        .findFirst()
        .orElseThrow()
        .getSpec()
        .getTemplate()
        .getSpec();
    Container container = pod.getContainers().get(0);
    Map<String, String> environment = new LinkedHashMap<>();
    for (EnvFromSource source : Optional.ofNullable(container.getEnvFrom()).orElse(List.of())) {
      environment.putAll(
          configMap(resources, source.getConfigMapRef().getName()).getData());
    }
    for (EnvVar env : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
      String value = env.getValue();
      if (env.getValueFrom() != null && env.getValueFrom().getConfigMapKeyRef() != null) {
        value = configMap(resources, env.getValueFrom().getConfigMapKeyRef().getName())
            .getData()
            .get(env.getValueFrom().getConfigMapKeyRef().getKey());
      }
      environment.put(env.getName(), value);
    }
    for (Map.Entry<String, String> entry : environment.entrySet()) {
      for (VolumeMount mount : Optional.ofNullable(container.getVolumeMounts()).orElse(List.of())) {
        String value = entry.getValue();
        if (value == null
            || !(value.equals(mount.getMountPath())
                || value.startsWith(mount.getMountPath() + "/"))) {
          continue;
        }
        Volume volume = pod.getVolumes().stream()
            .filter(candidate -> candidate.getName().equals(mount.getName()))
            .findFirst()
            .orElseThrow();
        String key = mount.getSubPath() != null
            ? mount.getSubPath()
            : value.substring(Math.min(value.length(), mount.getMountPath().length() + 1));
        String content;
        if (volume.getConfigMap() != null) {
          content =
              configMap(resources, volume.getConfigMap().getName()).getData().get(key);
        } else if (volume.getSecret() != null) {
          content = SECRET_DUMMIES.get(key);
        } else {
          continue; // an emptyDir: a directory the program writes to
        }
        assertThat(content)
            .as(deployment + ": " + entry.getKey() + "=" + value + " names a file the volume "
                + mount.getName() + " does not have")
            .isNotNull();
        Path file = mounts.resolve(deployment + "-" + entry.getKey());
        Files.writeString(file, content);
        entry.setValue(file.toString());
      }
    }
    return environment;
  }

  private static ConfigMap configMap(List<HasMetadata> resources, String name) {
    return resources.stream()
        .filter(ConfigMap.class::isInstance)
        .map(ConfigMap.class::cast)
        .filter(configMap -> configMap.getMetadata().getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no ConfigMap " + name));
  }
}
