package io.doppel.review.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.doppel.schemas.avro.ReviewAction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The role and tenant rules on their own: who sees which tenant, who may take which action. */
class AccessPolicyTest {

  private static final RoleMapping ROLES = RoleMapping.parse(
      "ts-acme=acme:reviewer, ts-acme-leads=acme:lead,\nts-globex=globex:reviewer,ts-all=*:reviewer");

  @Test
  void aReviewerSeesOnlyTheTenantsTheirGroupsAreMappedTo() {
    Reviewer rita = ROLES.resolve("rita", List.of("ts-acme", "unrelated"));

    assertThat(AccessPolicy.sees(rita, "acme")).isTrue();
    assertThat(AccessPolicy.sees(rita, "globex")).isFalse();
    assertThat(rita.roleIn("acme")).contains(Role.REVIEWER);
  }

  @Test
  void aReviewerDecidesOnPairsButCannotTouchTheUploaderAllowList() {
    Reviewer rita = ROLES.resolve("rita", List.of("ts-acme"));

    for (ReviewAction action :
        List.of(ReviewAction.CONFIRM, ReviewAction.DISMISS, ReviewAction.ALLOW_PAIR)) {
      assertThat(AccessPolicy.decides(rita, "acme", action)).as("%s", action).isTrue();
    }
    assertThat(AccessPolicy.refusal(rita, "acme", ReviewAction.ALLOW_UPLOADER))
        .hasValueSatisfying(reason -> assertThat(reason).contains("needs the lead role"));
    assertThat(AccessPolicy.decides(rita, "acme", ReviewAction.REVOKE_UPLOADER)).isFalse();
  }

  @Test
  void aLeadMayAllowListAndRevokeButOnlyInTheirOwnTenant() {
    Reviewer lee = ROLES.resolve("lee", List.of("ts-acme-leads"));

    assertThat(AccessPolicy.decides(lee, "acme", ReviewAction.ALLOW_UPLOADER)).isTrue();
    assertThat(AccessPolicy.decides(lee, "acme", ReviewAction.REVOKE_UPLOADER)).isTrue();
    assertThat(AccessPolicy.decides(lee, "acme", ReviewAction.DISMISS)).isTrue();
    assertThat(AccessPolicy.decides(lee, "globex", ReviewAction.DISMISS)).isFalse();
    assertThat(AccessPolicy.refusal(lee, "globex", ReviewAction.ALLOW_UPLOADER))
        .hasValueSatisfying(reason -> assertThat(reason).contains("no role in tenant globex"));
  }

  @Test
  void theHighestRoleOfAPersonsGroupsWinsPerTenant() {
    Reviewer both = ROLES.resolve("bo", List.of("ts-acme", "ts-acme-leads", "ts-globex"));

    assertThat(both.roleIn("acme")).contains(Role.LEAD);
    assertThat(both.roleIn("globex")).contains(Role.REVIEWER);
    assertThat(both.rolesForDisplay())
        .isEqualTo(Map.of("acme", Role.LEAD, "globex", Role.REVIEWER));
  }

  @Test
  void anEveryTenantGrantReachesUnnamedTenantsAndNeverLowersAnOwnRole() {
    Reviewer global = ROLES.resolve("gia", List.of("ts-all", "ts-acme-leads"));

    assertThat(AccessPolicy.sees(global, "initech")).isTrue();
    assertThat(AccessPolicy.decides(global, "initech", ReviewAction.ALLOW_UPLOADER))
        .isFalse();
    assertThat(global.roleIn("acme")).contains(Role.LEAD);
  }

  @Test
  void someoneInNoMappedGroupSeesNothing() {
    Reviewer nobody = ROLES.resolve("ned", List.of("engineering"));

    assertThat(nobody.hasAnyRole()).isFalse();
    assertThat(AccessPolicy.sees(nobody, "acme")).isFalse();
    for (ReviewAction action : ReviewAction.values()) {
      assertThat(AccessPolicy.decides(nobody, "acme", action)).isFalse();
    }
  }

  @Test
  void everyActionNeedsARoleAndOnlyUploaderActionsNeedALead() {
    for (ReviewAction action : ReviewAction.values()) {
      boolean uploader =
          action == ReviewAction.ALLOW_UPLOADER || action == ReviewAction.REVOKE_UPLOADER;
      assertThat(AccessPolicy.needed(action)).isEqualTo(uploader ? Role.LEAD : Role.REVIEWER);
    }
  }

  @Test
  void aMalformedMappingIsRefusedWithTheEntryNamed() {
    assertThatThrownBy(() -> RoleMapping.parse("ts-acme=acme"))
        .hasMessageContaining("'ts-acme=acme' is not group=tenant:role");
    assertThatThrownBy(() -> RoleMapping.parse("ts-acme=acme:admin"))
        .hasMessageContaining("unknown role 'admin'");
    assertThatThrownBy(() -> RoleMapping.parse(" , "))
        .hasMessageContaining("the role mapping is empty");
  }
}
