package io.doppel.matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.matcher.index.IndexConfig;
import io.doppel.matcher.index.milvus.MilvusIndexConfig;
import io.doppel.matcher.index.milvus.MilvusIndexConfig.GlobalIndex;
import io.doppel.matcher.retrieval.RetrievalSettings;
import io.doppel.topology.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MatcherConfigTest {

  private static Map<String, String> minimal() {
    Map<String, String> env = new HashMap<>();
    env.put("DOPPEL_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
    env.put("DOPPEL_MODEL_ID", "sscd");
    env.put("DOPPEL_MODEL_VERSION", "1");
    env.put("DOPPEL_MODEL_DIMENSION", "512");
    env.put("PATH", "/usr/bin");
    return env;
  }

  @Test
  void minimalEnvironmentGetsTheDocumentedDefaults() {
    MatcherConfig config = MatcherConfig.from(minimal());

    assertThat(config.index().backend()).isEqualTo(IndexConfig.Backend.LUCENE);
    assertThat(config.index().luceneRoot()).isEqualTo(Path.of("data/matcher/index"));
    assertThat(config.streams().applicationId()).isEqualTo("doppel-matcher");
    assertThat(config.streams().dataDirectory()).isEqualTo(Path.of("data/matcher"));
    assertThat(config.matching().retrieval()).isEqualTo(RetrievalSettings.DEFAULTS);
    assertThat(config.streams().retryBudget()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.streams().commitInterval()).isEqualTo(Duration.ofMillis(25));
    assertThat(config.matching().policyFile()).isNull();
    assertThat(config.kafka().security()).isEmpty();
    assertThat(config.opsPort()).isEqualTo(io.doppel.topology.ops.Deployment.OPS_PORT);
    assertThat(config.schemaRegistry()).isNull();
  }

  @Test
  void opsPortIsValidatedAndRegistryCredentialsNeverComeFromTheFile(@TempDir Path dir)
      throws Exception {
    Map<String, String> env = minimal();
    env.put("DOPPEL_OPS_PORT", "70000");
    assertThatThrownBy(() -> MatcherConfig.from(env))
        .hasMessageContaining("(DOPPEL_OPS_PORT) must be in [0, 65535], got '70000'");

    Path file = dir.resolve("matcher.properties");
    Files.writeString(file, "DOPPEL_SCHEMA_REGISTRY_AUTH=user:secret-password\n");
    Map<String, String> withFile = minimal();
    withFile.put("DOPPEL_MATCHER_CONFIG_FILE", file.toString());
    assertThatThrownBy(() -> MatcherConfig.from(withFile))
        .hasMessageContaining("DOPPEL_SCHEMA_REGISTRY_AUTH is a secret")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-password"));

    env.put("DOPPEL_OPS_PORT", "9100");
    env.put("DOPPEL_MATCHER_COMMIT_INTERVAL_MS", "0");
    assertThatThrownBy(() -> MatcherConfig.from(env))
        .hasMessageContaining("DOPPEL_MATCHER_COMMIT_INTERVAL_MS");
    env.put("DOPPEL_MATCHER_COMMIT_INTERVAL_MS", "200");
    env.put("DOPPEL_SCHEMA_REGISTRY_URL", "http://registry:8081");
    env.put("DOPPEL_SCHEMA_REGISTRY_AUTH", "user:secret-password");
    MatcherConfig config = MatcherConfig.from(env);
    assertThat(config.opsPort()).isEqualTo(9100);
    assertThat(config.streams().commitInterval()).isEqualTo(Duration.ofMillis(200));
    assertThat(config.schemaRegistry().auth().authorizationHeader()).isPresent();
    assertThat(config.toString()).doesNotContain("secret-password");
  }

  @Test
  void everyProblemIsListedAtOnce() {
    Map<String, String> env = new HashMap<>();
    env.put("DOPPEL_MATCHER_GLOBAL_TOP_K", "many");
    env.put("DOPPEL_MATCHER_INDEX", "faiss");
    env.put("DOPPEL_MATCHER_RATIO_TEST", "1.5");

    assertThatThrownBy(() -> MatcherConfig.from(env))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(((ConfigException) e).problems()).hasSize(7))
        .hasMessageContaining("(DOPPEL_KAFKA_BOOTSTRAP_SERVERS) is required")
        .hasMessageContaining("(DOPPEL_MODEL_ID) is required")
        .hasMessageContaining("(DOPPEL_MODEL_VERSION) is required")
        .hasMessageContaining("(DOPPEL_MODEL_DIMENSION) is required")
        .hasMessageContaining("(DOPPEL_MATCHER_GLOBAL_TOP_K) must be a whole number, got 'many'")
        .hasMessageContaining("(DOPPEL_MATCHER_INDEX) must be one of [lucene, milvus], got 'faiss'")
        .hasMessageContaining("(DOPPEL_MATCHER_RATIO_TEST) must be in [0.0, 1.0], got '1.5'");
  }

  @Test
  void milvusNeedsAUriAndTakesItsTokenFromTheEnvironmentOrAFile(@TempDir Path dir)
      throws Exception {
    Map<String, String> env = minimal();
    env.put("DOPPEL_MATCHER_INDEX", "milvus");
    assertThatThrownBy(() -> MatcherConfig.from(env))
        .hasMessageContaining("(DOPPEL_MILVUS_URI) is required");

    Path token = dir.resolve("token");
    Files.writeString(token, "s3cret\n");
    env.put("DOPPEL_MILVUS_URI", "http://milvus:19530");
    env.put("DOPPEL_MILVUS_TOKEN_FILE", token.toString());
    env.put("DOPPEL_MILVUS_GLOBAL_INDEX", "flat");
    MatcherConfig config = MatcherConfig.from(env);

    assertThat(config.index().milvus().token()).isEqualTo("s3cret");
    assertThat(config.index().milvus().globalIndex()).isEqualTo(GlobalIndex.FLAT);
    assertThat(config.toString()).doesNotContain("s3cret");
  }

  @Test
  void theKeypointIndexOfMilvusIsChosenWithItsClustersAndProbes() {
    Map<String, String> env = minimal();
    env.put("DOPPEL_MATCHER_INDEX", "milvus");
    env.put("DOPPEL_MILVUS_URI", "http://milvus:19530");
    assertThat(MatcherConfig.from(env).index().milvus())
        .extracting("localIndex", "localNlist", "localNprobe")
        .containsExactly(MilvusIndexConfig.LocalIndex.BIN_FLAT, 1_024, 32);

    env.put("DOPPEL_MILVUS_LOCAL_INDEX", "bin_ivf_flat");
    env.put("DOPPEL_MILVUS_LOCAL_NLIST", "4096");
    env.put("DOPPEL_MILVUS_LOCAL_NPROBE", "64");
    assertThat(MatcherConfig.from(env).index().milvus())
        .extracting("localIndex", "localNlist", "localNprobe")
        .containsExactly(MilvusIndexConfig.LocalIndex.BIN_IVF_FLAT, 4_096, 64);

    env.put("DOPPEL_MILVUS_LOCAL_NPROBE", "5000");
    assertThatThrownBy(() -> MatcherConfig.from(env))
        .hasMessageContaining("milvus.local-nprobe = 5000) must not exceed its clusters");
    env.put("DOPPEL_MILVUS_LOCAL_NLIST", "0");
    assertThatThrownBy(() -> MatcherConfig.from(env))
        .hasMessageContaining("DOPPEL_MILVUS_LOCAL_NLIST");
  }

  @Test
  void fileValuesApplyAndTheEnvironmentWins(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("matcher.properties");
    Files.writeString(file, "DOPPEL_MATCHER_CANDIDATE_CAP=80\nDOPPEL_MATCHER_GLOBAL_TOP_K=5\n");
    Map<String, String> env = minimal();
    env.put("DOPPEL_MATCHER_CONFIG_FILE", file.toString());
    env.put("DOPPEL_MATCHER_GLOBAL_TOP_K", "30");

    MatcherConfig config = MatcherConfig.from(env);

    assertThat(config.matching().retrieval().candidateCap()).isEqualTo(80);
    assertThat(config.matching().retrieval().globalTopK()).isEqualTo(30);
  }

  @Test
  void secretsAndUnknownKeysAreRefusedInTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("matcher.properties");
    Files.writeString(file, "DOPPEL_MILVUS_TOKEN=leaked\nmilvus.url=x\n");
    Map<String, String> env = minimal();
    env.put("DOPPEL_MATCHER_CONFIG_FILE", file.toString());
    env.put("DOPPEL_MATCHER_INDEX", "milvus");
    env.put("DOPPEL_MILVUS_URI", "http://milvus:19530");

    assertThatThrownBy(() -> MatcherConfig.from(env))
        .hasMessageContaining("DOPPEL_MILVUS_TOKEN is a secret")
        .hasMessageContaining("unknown key milvus.url")
        .hasMessageNotContaining("leaked");
  }

  @Test
  void kafkaSecuritySettingsPassThroughAndOthersAreRejected() {
    Map<String, String> env = minimal();
    env.put("DOPPEL_KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
    env.put("DOPPEL_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
    assertThat(MatcherConfig.from(env).kafka().security())
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-512");

    env.put("DOPPEL_KAFKA_ACKS", "0");
    assertThatThrownBy(() -> MatcherConfig.from(env))
        .hasMessageContaining("DOPPEL_KAFKA_ACKS is not a Kafka security setting");
  }

  @Test
  void kafkaSecretsComeFromMountedFilesAndNeverShowInTheConfigString(@TempDir Path dir)
      throws Exception {
    String password = "scram-password-from-file-91c2";
    String jaas =
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"doppel\" password=\""
            + password + "\";";
    Path jaasFile = Files.writeString(dir.resolve("sasl.jaas.config"), jaas + "\n");
    Map<String, String> env = minimal();
    env.put("DOPPEL_KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
    env.put("DOPPEL_KAFKA_SASL_JAAS_CONFIG_FILE", jaasFile.toString());

    MatcherConfig config = MatcherConfig.from(env);

    assertThat(config.kafka().security()).containsEntry("sasl.jaas.config", jaas);
    assertThat(config.toString()).doesNotContain(password);
    env.put("DOPPEL_KAFKA_SASL_JAAS_CONFIG", jaas);
    assertThatThrownBy(() -> MatcherConfig.from(env))
        .hasMessageContaining("not both")
        .hasMessageNotContaining(password);
  }

  @Test
  void missingPolicyFileIsReportedByName() {
    Map<String, String> env = minimal();
    env.put("DOPPEL_MATCHER_POLICY_FILE", "/nonexistent/policy.yaml");

    assertThatThrownBy(() -> MatcherConfig.from(env))
        .hasMessageContaining(
            "(DOPPEL_MATCHER_POLICY_FILE)=/nonexistent/policy.yaml is not a readable file");
  }

  @Test
  void aMilvusTokenGivenBothWaysIsRefusedRatherThanOneSilentlyWinning(@TempDir Path dir)
      throws Exception {
    Map<String, String> env = minimal();
    env.put("DOPPEL_MATCHER_INDEX", "milvus");
    env.put("DOPPEL_MILVUS_URI", "http://milvus:19530");
    env.put("DOPPEL_MILVUS_TOKEN", "token-from-env");
    env.put(
        "DOPPEL_MILVUS_TOKEN_FILE",
        Files.writeString(dir.resolve("token"), "token-from-file").toString());

    assertThatThrownBy(() -> MatcherConfig.from(env))
        .hasMessageContaining("set DOPPEL_MILVUS_TOKEN or DOPPEL_MILVUS_TOKEN_FILE, not both")
        .hasMessageNotContaining("token-from");
  }
}
