package io.doppel.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.doppel.matcher.policy.Policy;
import io.doppel.schemas.Topics;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.Match;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.MatchHints;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.Trigger;
import io.doppel.schemas.avro.UploadEvent;
import io.doppel.schemas.registry.InMemorySchemaRegistry;
import io.fabric8.kubernetes.api.model.ConfigMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runbook's first-violation job (k8s/jobs/first-violation) speaks the pipeline's contract:
 * the records its Python script writes are read by the services' own deserializers, it decodes a
 * MatchEvent the matcher writes, and the matcher's policy in the cluster makes its reference set
 * one that uploads are checked against. Needs python3; says it is skipped without.
 */
class FirstViolationJobTest {

  private static final Path SCRIPT =
      Repository.K8S.resolve("jobs/first-violation/first_violation.py");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path directory;

  @Test
  void theServicesReadTheUploadsTheScriptWrites() throws Exception {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    JsonNode schemas = JSON.readTree(python("--print-schemas"));
    // The script registers its own copies of the schemas, as it does against the real registry.
    int keyId = registry.register(
        Topics.UPLOADS + "-key", new Schema.Parser().parse(schemas.path("key").toString()));
    int valueId = registry.register(
        Topics.UPLOADS + "-value",
        new Schema.Parser().parse(schemas.path("value").toString()));
    python("--encode", String.valueOf(keyId), String.valueOf(valueId), directory.toString());
    Topics topics = Topics.using(registry);

    UploadEvent reference = value(topics, "REFERENCE");
    UploadEvent upload = value(topics, "UPLOAD");

    assertThat(reference.getPurpose()).isEqualTo(Purpose.REFERENCE);
    assertThat(reference.getReferenceSet()).hasToString("doppel-first-violation");
    assertThat(reference.getRightsHolder()).hasToString("doppel-runbook");
    assertThat(reference.getSource()).hasToString("https://images.example.com/work.jpg");
    assertThat(reference.getUploadedAt()).isEqualTo(Instant.ofEpochMilli(1767225600000L));
    assertThat(upload.getPurpose()).isEqualTo(Purpose.UPLOAD);
    assertThat(upload.getUploader()).hasToString("doppel-runbook-copier");
    assertThat(upload.getInlineBytes()).isNull();
    assertThat(upload.getReferenceSet()).isNull();
    ImageKey key = topics
        .uploads()
        .keySerde()
        .deserializer()
        .deserialize(Topics.UPLOADS, Files.readAllBytes(directory.resolve("UPLOAD.key")));
    assertThat(key.getTenant()).hasToString("doppel-first-violation");
    assertThat(key.getImageId()).hasToString("first-upload-1");
  }

  @Test
  void theScriptReadsTheViolationTheMatcherWrites() throws Exception {
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    Topics topics = Topics.using(registry);
    MatchEvent event = MatchEvent.newBuilder()
        .setTenant("doppel-first-violation")
        .setImageId("first-upload-1")
        .setPurpose(Purpose.UPLOAD)
        .setUploader("doppel-runbook-copier")
        .setSource("https://images.example.com/work.jpg")
        .setDecision(Decision.COPYRIGHT_VIOLATION)
        .setMatches(List.of(Match.newBuilder()
            .setTenant("doppel-first-violation")
            .setImageId("first-reference-1")
            .setKind(MatchKind.COPYRIGHT_VIOLATION)
            .setRightsHolder("doppel-runbook")
            .setReferenceSet("doppel-first-violation")
            .setScore(0.993f)
            .setGlobalSimilarity(0.99f)
            .setLocalVotes(120)
            .setInliers(95)
            .setInlierAreaShare(0.9f)
            .setTentativeMatches(110)
            .setHints(MatchHints.newBuilder().build())
            .build()))
        .setTrigger(Trigger.UPLOAD)
        .setPolicyVersion("policy-2026-12-06.1")
        .setModelId("doppel-copy")
        .setModelVersion("2")
        .setCalibrationVersion("7")
        .setStageMicros(Map.of("verify", 1200L))
        .setUploadedAt(Instant.ofEpochMilli(1767225600000L))
        .setDecidedAt(Instant.ofEpochMilli(1767225601800L))
        .build();
    byte[] bytes =
        topics.violations().valueSerde().serializer().serialize(Topics.VIOLATIONS, event);
    Path value = Files.write(directory.resolve("violation.value"), bytes);
    int id = java.nio.ByteBuffer.wrap(bytes, 1, 4).getInt();
    Path schema = Files.writeString(
        directory.resolve("schema.json"), registry.schemaById(id).toString());

    JsonNode decoded = JSON.readTree(python("--decode", schema.toString(), value.toString()));

    assertThat(decoded.path("decision").asText()).isEqualTo("COPYRIGHT_VIOLATION");
    assertThat(decoded.path("imageId").asText()).isEqualTo("first-upload-1");
    assertThat(decoded.at("/matches/0/imageId").asText()).isEqualTo("first-reference-1");
    assertThat(decoded.at("/matches/0/score").asDouble())
        .isCloseTo(0.993, org.assertj.core.data.Offset.offset(1e-6));
    assertThat(decoded.path("decidedAt").asLong() - decoded.path("uploadedAt").asLong())
        .isEqualTo(1800);
    assertThat(decoded.at("/stageMicros/verify").asLong()).isEqualTo(1200);
  }

  /** The policy the cluster's matcher runs parses, and every tenant is checked against the job's set. */
  @Test
  void theClustersPolicySubscribesTheFirstViolationSet() {
    for (String overlay : Repository.OVERLAYS) {
      ConfigMap policy = Kustomize.render(Repository.overlay(overlay)).resources().stream()
          .filter(ConfigMap.class::isInstance)
          .map(ConfigMap.class::cast)
          .filter(configMap -> configMap.getMetadata().getName().equals("doppel-matcher-policy"))
          .findFirst()
          .orElseThrow();
      Policy parsed = Policy.parse(
          policy.getData().get("doppel-policy.yaml"), overlay + " doppel-matcher-policy");

      assertThat(parsed.forTenant("doppel-first-violation").referenceSets())
          .as(overlay)
          .contains("doppel-first-violation");
      assertThat(parsed.forTenant("any-tenant").referenceSets())
          .as(overlay)
          .contains("doppel-first-violation");
    }
  }

  private UploadEvent value(Topics topics, String purpose) throws IOException {
    return topics
        .uploads()
        .valueSerde()
        .deserializer()
        .deserialize(Topics.UPLOADS, Files.readAllBytes(directory.resolve(purpose + ".value")));
  }

  private static String python(String... arguments) throws Exception {
    assumeTrue(onPath("python3"), "SKIPPED: no python3 on the PATH to run " + SCRIPT);
    List<String> command = new ArrayList<>(List.of("python3", SCRIPT.toString()));
    command.addAll(List.of(arguments));
    Process process = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(String.join(" ", command)).isZero();
    return out;
  }

  private static boolean onPath(String name) {
    for (String entry :
        System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, name))) {
        return true;
      }
    }
    return false;
  }
}
