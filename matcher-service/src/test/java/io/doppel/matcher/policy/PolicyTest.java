package io.doppel.matcher.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.Scope;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.Purpose;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyTest {

  private static final String POLICY = """
      version: test-7
      referenceSets: [getty, magnum]
      defaults:
        duplicateThreshold: 0.6
        violationThreshold: 0.8
        referenceSets: "*"
        allow:
          imageIds: [meme-template]
        retroScanLookback: P30D
      tenants:
        acme:
          violationThreshold: 0.5
          referenceSets: [getty]
          allow:
            rightsHolders: [Licensed Ltd]
            uploaders: [getty-agency]
          retroScanLookback: P7D
        blog:
          referenceSets: []
        getty-agency:
          referenceSets: []
          registers: [getty]
        syndicate:
          referenceSets: []
          registers: [getty, magnum]
      """;

  private final Policy policy = Policy.parse(POLICY, "test");

  private static ScoredCandidate upload(String tenant, String id, double score) {
    return new ScoredCandidate(new ImageRef(tenant, id), Purpose.UPLOAD, null, null, score);
  }

  private static ScoredCandidate reference(String set, String holder, String id, double score) {
    return new ScoredCandidate(new ImageRef("rights", id), Purpose.REFERENCE, holder, set, score);
  }

  @Test
  void aTenantRegistersOnlyIntoTheSetsItOwnsOrWasGranted() {
    assertThat(policy.mayRegister("getty-agency", "getty")).isTrue();
    assertThat(policy.mayRegister("getty-agency", "magnum")).isFalse();
    assertThat(policy.mayRegister("syndicate", "magnum")).isTrue();
    assertThat(policy.mayRegister("acme", "getty"))
        .as("subscribing is not owning")
        .isFalse();
    assertThat(policy.mayRegister("someone-else", "getty"))
        .as("defaults grant nothing unless they list it")
        .isFalse();
    assertThat(Policy.parse(
                POLICY.replace(
                    "retroScanLookback: P30D", "retroScanLookback: P30D\n  registers: [magnum]"),
                "p")
            .mayRegister("someone-else", "magnum"))
        .as("defaults.registers applies to every tenant")
        .isTrue();
  }

  @Test
  void tenantsOverrideDefaultsFieldByField() {
    TenantPolicy acme = policy.forTenant("acme");
    TenantPolicy unknown = policy.forTenant("someone-else");

    assertThat(policy.version()).isEqualTo("test-7");
    assertThat(acme.duplicateThreshold()).isEqualTo(0.6);
    assertThat(acme.violationThreshold()).isEqualTo(0.5);
    assertThat(acme.referenceSets()).containsExactly("getty");
    assertThat(acme.allowedImageIds()).containsExactly("meme-template");
    assertThat(acme.retroScanLookback()).isEqualTo(Duration.ofDays(7));
    assertThat(unknown.referenceSets()).containsExactlyInAnyOrder("getty", "magnum");
    assertThat(unknown.violationThreshold()).isEqualTo(0.8);
  }

  @Test
  void scopeIsOwnUploadsPlusSubscribedSetsAndNeverTheQueryItself() {
    ImageRef self = new ImageRef("acme", "img-1");

    Scope scope = policy.scopeFor("acme", self);

    assertThat(scope.uploadTenants()).containsExactly("acme");
    assertThat(scope.referenceSets()).containsExactly("getty");
    assertThat(scope.exclude()).isEqualTo(self);
    assertThat(policy.scopeFor("blog", self).referenceSets()).isEmpty();
  }

  @Test
  void subscribersOfASetAreTheNamedTenantsThatSubscribe() {
    assertThat(policy.subscribersOf("getty")).containsExactly("acme");
    assertThat(policy.subscribersOf("magnum")).isEmpty();
  }

  @Test
  void violationOutranksDuplicateAndEveryMatchKeepsItsOwnKind() {
    List<ScoredCandidate> ranked = List.of(
        upload("acme", "old-upload", 0.9),
        reference("getty", "Getty", "work-1", 0.55),
        upload("acme", "weak", 0.3));

    PolicyDecision decision = policy.decide(new Query("acme", "new", "alice"), ranked);

    assertThat(decision.decision()).isEqualTo(Decision.COPYRIGHT_VIOLATION);
    assertThat(decision.kinds())
        .containsExactly(
            MatchKind.DUPLICATE, MatchKind.COPYRIGHT_VIOLATION, MatchKind.BELOW_THRESHOLD);
  }

  @Test
  void duplicateOnlyWithinTheSameTenantAndViolationOnlyForSubscribedSets() {
    List<ScoredCandidate> ranked =
        List.of(upload("other-tenant", "x", 0.99), reference("magnum", "Magnum", "w", 0.99));

    PolicyDecision decision = policy.decide(new Query("acme", "new", "alice"), ranked);

    assertThat(decision.decision()).isEqualTo(Decision.CLEAN);
    assertThat(decision.kinds()).containsOnly(MatchKind.BELOW_THRESHOLD);
  }

  @Test
  void thresholdsAreInclusive() {
    assertThat(policy
            .decide(new Query("acme", "n", null), List.of(upload("acme", "o", 0.6)))
            .decision())
        .isEqualTo(Decision.DUPLICATE);
    assertThat(policy
            .decide(new Query("acme", "n", null), List.of(upload("acme", "o", 0.599)))
            .decision())
        .isEqualTo(Decision.CLEAN);
  }

  @Test
  void allowListsSuppressReports() {
    ScoredCandidate licensed = reference("getty", "Licensed Ltd", "w1", 0.99);
    ScoredCandidate template = upload("acme", "meme-template", 0.99);
    ScoredCandidate getty = reference("getty", "Getty", "w2", 0.99);

    assertThat(policy
            .decide(new Query("acme", "n", "alice"), List.of(licensed, template))
            .decision())
        .isEqualTo(Decision.CLEAN);
    assertThat(policy
            .decide(new Query("acme", "n", "getty-agency"), List.of(getty))
            .decision())
        .isEqualTo(Decision.CLEAN);
    assertThat(policy
            .decide(new Query("acme", "meme-template", "alice"), List.of(getty))
            .decision())
        .isEqualTo(Decision.CLEAN);
    assertThat(policy.decide(new Query("acme", "n", "alice"), List.of(getty)).decision())
        .isEqualTo(Decision.COPYRIGHT_VIOLATION);
  }

  @Test
  void noCandidatesIsClean() {
    assertThat(policy.decide(new Query("acme", "n", null), List.of()))
        .isEqualTo(new PolicyDecision(Decision.CLEAN, List.of()));
  }

  @Test
  void bundledPolicyIsValid() {
    assertThat(Policy.bundled().version()).isNotBlank();
  }

  @Test
  void unknownKeysAreRejectedWithTheirName() {
    String typo = POLICY.replace("duplicateThreshold: 0.6", "duplicateTreshold: 0.6");

    assertThatThrownBy(() -> Policy.parse(typo, "typo.yaml"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("typo.yaml")
        .hasMessageContaining("duplicateTreshold");
  }

  @Test
  void thresholdsOutsideTheUnitIntervalAreRejected() {
    String tooHigh = POLICY.replace("violationThreshold: 0.5", "violationThreshold: 1.5");

    assertThatThrownBy(() -> Policy.parse(tooHigh, "p"))
        .isInstanceOf(InvalidPolicyException.class)
        .hasMessageContaining("tenants.acme.violationThreshold must be in [0,1], got 1.5");
  }

  @Test
  void missingVersionBadDurationAndBadSetListsAreRejected() {
    assertThatThrownBy(() -> Policy.parse(POLICY.replace("version: test-7", ""), "p"))
        .hasMessageContaining("'version' is required");
    assertThatThrownBy(() -> Policy.parse(POLICY.replace("P7D", "7 days"), "p"))
        .hasMessageContaining("ISO-8601");
    assertThatThrownBy(() ->
            Policy.parse(POLICY.replace("referenceSets: [getty]", "referenceSets: getty"), "p"))
        .hasMessageContaining("tenants.acme.referenceSets must be a list");
    assertThatThrownBy(() -> Policy.parse("", "empty")).isInstanceOf(InvalidPolicyException.class);
  }

  @Test
  void injectionShapedTenantIdsAreJustData() {
    String hostile = "a\" or 1==1 or \"";

    Scope scope = policy.scopeFor(hostile, new ImageRef(hostile, "x"));

    assertThat(scope.uploadTenants()).isEqualTo(Set.of(hostile));
    assertThat(policy
            .decide(new Query(hostile, "x", null), List.of(upload("acme", "y", 1.0)))
            .decision())
        .isEqualTo(Decision.CLEAN);
  }
}
