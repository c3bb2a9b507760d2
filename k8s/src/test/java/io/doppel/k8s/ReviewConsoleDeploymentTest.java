package io.doppel.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The review console's manifests use exactly the environment ReviewConsoleMain reads (a renamed
 * variable there must fail here, not in a cluster), serve it only over TLS, and keep the place
 * where single sign-on attaches renderable.
 */
class ReviewConsoleDeploymentTest {

  private static final Path MAIN =
      Repository.ROOT.resolve("review-console/src/main/java/io/doppel/review/ReviewConsoleMain.java");
  private static final String PREFIX = "DOPPEL_REVIEW_";

  static List<String> overlays() {
    return Repository.OVERLAYS;
  }

  /** DOPPEL_REVIEW_* names the class reads: PREFIX + "X", required(env, "X"), and the fetch keys. */
  static Set<String> variablesTheConsoleReads() throws IOException {
    String source = Files.readString(MAIN);
    Set<String> names = new HashSet<>();
    Matcher literal = Pattern.compile("(?:PREFIX \\+ |required\\(env, )\"([A-Z_]+)\"").matcher(source);
    while (literal.find()) {
      names.add(PREFIX + literal.group(1));
    }
    Matcher fetchKeys = Pattern.compile("new String\\[\\] \\{([^}]*)\\}").matcher(source);
    while (fetchKeys.find()) {
      for (String key : fetchKeys.group(1).replace("\"", "").split(",")) {
        names.add(PREFIX + "FETCH_" + key.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
      }
    }
    names.add(PREFIX + "TOKENS");   // read through tokens(env) as TOKENS_FILE or TOKENS
    return names;
  }

  @Test
  void theParserOfTheConsolesSourceFindsItsVariables() throws IOException {
    assertThat(variablesTheConsoleReads()).contains(
        "DOPPEL_REVIEW_BOOTSTRAP_SERVERS", "DOPPEL_REVIEW_SCHEMA_REGISTRY_URL", "DOPPEL_REVIEW_TOKENS_FILE",
        "DOPPEL_REVIEW_PORT", "DOPPEL_REVIEW_MAX_REPORTS", "DOPPEL_REVIEW_FETCH_BLOCK_PRIVATE_ADDRESSES");
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theConsoleGetsOnlyVariablesItReadsAndEveryOneItRequires(String overlay) throws IOException {
    List<HasMetadata> resources = Kustomize.render(Repository.overlay(overlay)).resources();
    Map<String, String> environment = resources.stream()
        .filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast)
        .filter(configMap -> configMap.getMetadata().getName().equals("doppel-review-console-config"))
        .findFirst().orElseThrow().getData();

    assertThat(environment.keySet()).filteredOn(name -> name.startsWith("DOPPEL_"))
        .allMatch(name -> name.startsWith(PREFIX), "only DOPPEL_REVIEW_* (the console reads no other)")
        .isSubsetOf(variablesTheConsoleReads());
    assertThat(environment).containsKeys(
        "DOPPEL_REVIEW_BOOTSTRAP_SERVERS", "DOPPEL_REVIEW_SCHEMA_REGISTRY_URL", "DOPPEL_REVIEW_TOKENS_FILE");
    assertThat(environment.get("DOPPEL_REVIEW_SCHEMA_REGISTRY_URL"))
        .as("the same registry as the services")
        .isEqualTo(resources.stream().filter(ConfigMap.class::isInstance).map(ConfigMap.class::cast)
            .filter(configMap -> configMap.getMetadata().getName().equals("doppel-shared"))
            .findFirst().orElseThrow().getData().get("DOPPEL_SCHEMA_REGISTRY_URL"));
  }

  @ParameterizedTest
  @MethodSource("overlays")
  void theConsoleIsServedOnlyOverTlsOnItsOwnHost(String overlay) {
    Ingress ingress = Kustomize.render(Repository.overlay(overlay)).resources().stream()
        .filter(Ingress.class::isInstance).map(Ingress.class::cast).findFirst().orElseThrow();

    assertThat(ingress.getSpec().getTls()).singleElement().satisfies(tls -> {
      assertThat(tls.getSecretName()).isEqualTo("doppel-review-console-tls");
      assertThat(tls.getHosts()).containsExactly(ingress.getSpec().getRules().get(0).getHost());
    });
    assertThat(ingress.getMetadata().getAnnotations())
        .containsEntry("nginx.ingress.kubernetes.io/force-ssl-redirect", "true");
  }

  @Test
  void theSignInComponentPutsTheAuthProxyInFrontOfTheConsole() {
    Ingress ingress = Kustomize.render(Repository.K8S.resolve("components/examples/console-sign-in")).resources()
        .stream().filter(Ingress.class::isInstance).map(Ingress.class::cast).findFirst().orElseThrow();

    assertThat(ingress.getMetadata().getAnnotations())
        .containsKeys("nginx.ingress.kubernetes.io/auth-url", "nginx.ingress.kubernetes.io/auth-signin")
        .containsEntry("nginx.ingress.kubernetes.io/auth-response-headers",
            "X-Auth-Request-User,X-Auth-Request-Email,X-Auth-Request-Groups");
  }
}
