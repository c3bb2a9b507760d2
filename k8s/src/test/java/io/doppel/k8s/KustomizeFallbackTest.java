package io.doppel.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Where no kustomize is found the tests follow the resources lists; they must find the same objects. */
class KustomizeFallbackTest {

  @ParameterizedTest
  @ValueSource(strings = {"dev", "production"})
  void fallbackFindsTheSameResourcesAsKustomize(String overlay) {
    assumeTrue(
        Kustomize.realRendererAvailable(), "no kustomize and no kubectl: nothing to compare with");

    Kustomize.Rendering real = Kustomize.render(Repository.overlay(overlay));
    Kustomize.Rendering fallback = Kustomize.resolveWithoutKustomize(Repository.overlay(overlay));

    assertThat(real.patchesApplied()).isTrue();
    assertThat(fallback.patchesApplied()).isFalse();
    assertThat(identities(fallback.resources()))
        .containsExactlyInAnyOrderElementsOf(identities(real.resources()));
  }

  private static List<String> identities(List<HasMetadata> resources) {
    return resources.stream()
        .map(resource -> resource.getKind() + " " + resource.getMetadata().getNamespace() + "/"
            + resource.getMetadata().getName())
        .toList();
  }
}
