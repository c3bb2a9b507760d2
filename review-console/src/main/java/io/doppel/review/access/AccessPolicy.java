package io.doppel.review.access;

import io.doppel.schemas.avro.ReviewAction;
import java.util.Optional;

/**
 * Who may see and decide what, kept apart from HTTP so that every endpoint asks the same
 * questions and the rules are tested on their own. Pure.
 *
 * <pre>
 * sees(r, t)          = r holds a role in tenant t
 * decides(r, t, a)    = r holds a role in t that includes needed(a)
 * needed(a)           = LEAD      for ALLOW_UPLOADER, REVOKE_UPLOADER
 *                     = REVIEWER  otherwise (CONFIRM, DISMISS, ALLOW_PAIR)
 * </pre>
 *
 * A report belongs to the tenant of its reported image: its matched images (a reference of a
 * rights holder, an earlier upload) are shown to whoever sees the report, as the evidence for it.
 */
public final class AccessPolicy {

  private AccessPolicy() {}

  public static boolean sees(Reviewer reviewer, String tenant) {
    return reviewer.roleIn(tenant).isPresent();
  }

  /** The role an action needs. */
  public static Role needed(ReviewAction action) {
    return switch (action) {
      case ALLOW_UPLOADER, REVOKE_UPLOADER -> Role.LEAD;
      case CONFIRM, DISMISS, ALLOW_PAIR -> Role.REVIEWER;
    };
  }

  /** Why {@code reviewer} may not take {@code action} on a report of {@code tenant}; empty if they may. */
  public static Optional<String> refusal(Reviewer reviewer, String tenant, ReviewAction action) {
    Optional<Role> role = reviewer.roleIn(tenant);
    if (role.isEmpty()) {
      return Optional.of(reviewer.name() + " holds no role in tenant " + tenant);
    }
    Role needed = needed(action);
    if (!role.get().includes(needed)) {
      return Optional.of(action + " needs the " + needed.label() + " role in tenant " + tenant
          + "; " + reviewer.name() + " is a " + role.get().label());
    }
    return Optional.empty();
  }

  public static boolean decides(Reviewer reviewer, String tenant, ReviewAction action) {
    return refusal(reviewer, tenant, action).isEmpty();
  }
}
