package io.doppel.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The review console is served only over TLS, behind sign-in, and reads exactly the identity
 * headers the ingress sets from the authenticating proxy's answer: a header the ingress did not
 * set would pass through from the client, and the console would believe it (it trusts the
 * ingress's addresses). Its environment is read by its own configuration reader in
 * ServiceConfigurationTest.
 */
class ReviewConsoleDeploymentTest {

  private static final String AUTH_HEADERS = "nginx.ingress.kubernetes.io/auth-response-headers";

  static List<String> overlays() {
    return Repository.OVERLAYS;
  }

  static List<Path> rendered() {
    return java.util.stream.Stream.concat(
            Repository.OVERLAYS.stream().map(Repository::overlay),
            java.util.stream.Stream.of(
                Repository.K8S.resolve("components/examples/console-sign-in")))
        .toList();
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theConsoleIsServedOnlyOverTlsOnItsOwnHost(String overlay) {
    Ingress ingress = ingress(Kustomize.render(Repository.overlay(overlay)).resources());

    assertThat(ingress.getSpec().getTls()).singleElement().satisfies(tls -> {
      assertThat(tls.getSecretName()).isEqualTo("doppel-review-console-tls");
      assertThat(tls.getHosts())
          .containsExactly(ingress.getSpec().getRules().get(0).getHost());
    });
    assertThat(ingress.getMetadata().getAnnotations())
        .containsEntry("nginx.ingress.kubernetes.io/force-ssl-redirect", "true");
  }

  @ParameterizedTest
  @MethodSource("rendered")
  void everyRequestIsSignedInAndTheConsoleReadsOnlyTheHeadersTheIngressSets(Path directory) {
    List<HasMetadata> resources = Kustomize.render(directory).resources();
    Map<String, String> annotations = ingress(resources).getMetadata().getAnnotations();
    Map<String, String> settings = resources.stream()
        .filter(ConfigMap.class::isInstance)
        .map(ConfigMap.class::cast)
        .filter(c -> c.getMetadata().getName().equals("doppel-review-console-config"))
        .findFirst()
        .orElseThrow()
        .getData();

    assertThat(annotations)
        .containsKeys(
            "nginx.ingress.kubernetes.io/auth-url", "nginx.ingress.kubernetes.io/auth-signin");
    List<String> forwarded = List.of(annotations.get(AUTH_HEADERS).split(","));
    for (String setting : List.of(
        "DOPPEL_REVIEW_IDENTITY_USER_HEADER",
        "DOPPEL_REVIEW_IDENTITY_EMAIL_HEADER",
        "DOPPEL_REVIEW_IDENTITY_GROUPS_HEADER")) {
      assertThat(forwarded).as(setting).contains(settings.get(setting));
    }
    assertThat(settings.get("DOPPEL_REVIEW_TRUSTED_PROXIES")).isNotBlank();
    assertThat(settings.get("DOPPEL_REVIEW_ROLES")).contains(":lead");
  }

  @Test
  void anInstallationMapsItsOwnGroupsAndProxy() {
    List<HasMetadata> resources = Kustomize.render(
            Repository.K8S.resolve("components/examples/console-sign-in"))
        .resources();

    assertThat(ingress(resources).getMetadata().getAnnotations())
        .containsEntry(
            "nginx.ingress.kubernetes.io/auth-url",
            "http://oauth2-proxy.sso.svc.cluster.local:4180/oauth2/auth")
        .containsEntry(
            AUTH_HEADERS, "X-Auth-Request-User,X-Auth-Request-Email,X-Auth-Request-Groups");
  }

  private static Ingress ingress(List<HasMetadata> resources) {
    return resources.stream()
        .filter(Ingress.class::isInstance)
        .map(Ingress.class::cast)
        .findFirst()
        .orElseThrow();
  }
}
