package io.doppel.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Where kubectl is missing the tests follow the resources lists; they must find the same objects. */
class KustomizeFallbackTest {

  @ParameterizedTest
  @ValueSource(strings = {"dev", "production"})
  void fallbackFindsTheSameResourcesAsKubectl(String overlay) {
    assumeTrue(Kustomize.kubectlAvailable(), "kubectl not on the PATH: nothing to compare with");

    Kustomize.Rendering kubectl = Kustomize.render(Repository.overlay(overlay));
    Kustomize.Rendering fallback = Kustomize.resolveWithoutKubectl(Repository.overlay(overlay));

    assertThat(kubectl.patchesApplied()).isTrue();
    assertThat(fallback.patchesApplied()).isFalse();
    assertThat(identities(fallback.resources()))
        .containsExactlyInAnyOrderElementsOf(identities(kubectl.resources()));
  }

  private static List<String> identities(List<HasMetadata> resources) {
    return resources.stream()
        .map(resource -> resource.getKind() + " " + resource.getMetadata().getNamespace() + "/"
            + resource.getMetadata().getName())
        .toList();
  }
}
