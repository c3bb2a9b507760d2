package io.doppel.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The review console is served only over TLS, and the place where single sign-on attaches
 * renders. (Its environment is read by its own configuration reader in ServiceConfigurationTest.)
 */
class ReviewConsoleDeploymentTest {

  static List<String> overlays() {
    return Repository.OVERLAYS;
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theConsoleIsServedOnlyOverTlsOnItsOwnHost(String overlay) {
    Ingress ingress = Kustomize.render(Repository.overlay(overlay)).resources().stream()
        .filter(Ingress.class::isInstance)
        .map(Ingress.class::cast)
        .findFirst()
        .orElseThrow();

    assertThat(ingress.getSpec().getTls()).singleElement().satisfies(tls -> {
      assertThat(tls.getSecretName()).isEqualTo("doppel-review-console-tls");
      assertThat(tls.getHosts())
          .containsExactly(ingress.getSpec().getRules().get(0).getHost());
    });
    assertThat(ingress.getMetadata().getAnnotations())
        .containsEntry("nginx.ingress.kubernetes.io/force-ssl-redirect", "true");
  }

  @Test
  void theSignInComponentPutsTheAuthProxyInFrontOfTheConsole() {
    Ingress ingress =
        Kustomize.render(Repository.K8S.resolve("components/examples/console-sign-in"))
            .resources()
            .stream()
            .filter(Ingress.class::isInstance)
            .map(Ingress.class::cast)
            .findFirst()
            .orElseThrow();

    assertThat(ingress.getMetadata().getAnnotations())
        .containsKeys(
            "nginx.ingress.kubernetes.io/auth-url", "nginx.ingress.kubernetes.io/auth-signin")
        .containsEntry(
            "nginx.ingress.kubernetes.io/auth-response-headers",
            "X-Auth-Request-User,X-Auth-Request-Email,X-Auth-Request-Groups");
  }
}
