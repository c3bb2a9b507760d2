package io.doppel.review.access;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A signed-in person and the role they hold in each tenant. Immutable.
 *
 * @param name who they are, as decisions record it (the proxy's user, or e-mail)
 * @param tenants the role per tenant named in the role mapping
 * @param everyTenant the role held in every tenant (a mapping to {@code *}); null if none
 */
public record Reviewer(String name, Map<String, Role> tenants, Role everyTenant) {

  public Reviewer {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a reviewer needs a name");
    }
    tenants = Map.copyOf(tenants);
  }

  /** The role held in {@code tenant}: the higher of its own and the every-tenant role. */
  public Optional<Role> roleIn(String tenant) {
    Objects.requireNonNull(tenant, "tenant");
    return Optional.ofNullable(Role.higher(tenants.get(tenant), everyTenant));
  }

  /** Whether this person holds any role at all; one who does not sees nothing. */
  public boolean hasAnyRole() {
    return everyTenant != null || !tenants.isEmpty();
  }

  /** Roles by tenant, sorted, with {@code *} for the every-tenant role: what the page shows. */
  public Map<String, Role> rolesForDisplay() {
    Map<String, Role> out = new TreeMap<>(tenants);
    if (everyTenant != null) {
      out.put(RoleMapping.EVERY_TENANT, everyTenant);
    }
    return out;
  }
}
