package io.doppel.review.access;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which identity-provider groups hold which role in which tenant, from {@code review.roles}:
 * {@code group=tenant:role} entries, by comma or line, e.g. {@code ts-acme=acme:reviewer,
 * ts-acme-leads=acme:lead, ts-global=*:reviewer}. A person in several groups holds, per tenant, the
 * highest role any of them grants; {@code *} grants a role in every tenant. Groups that are not
 * mapped grant nothing, so a person the mapping does not name sees no report. Pure and immutable.
 */
public final class RoleMapping {

  public static final String EVERY_TENANT = "*";

  /** One entry: members of {@code group} hold {@code role} in {@code tenant} ({@code *}: all). */
  public record Grant(String group, String tenant, Role role) {
    public Grant {
      if (group == null || group.isBlank() || tenant == null || tenant.isBlank()) {
        throw new IllegalArgumentException("a role grant needs a group and a tenant");
      }
      if (role == null) {
        throw new IllegalArgumentException("a role grant needs a role");
      }
    }
  }

  private final Map<String, List<Grant>> byGroup;

  public RoleMapping(Collection<Grant> grants) {
    if (grants.isEmpty()) {
      throw new IllegalArgumentException(
          "the role mapping is empty: no one could see a report (group=tenant:role entries)");
    }
    Map<String, List<Grant>> groups = new HashMap<>();
    for (Grant grant : grants) {
      groups.computeIfAbsent(grant.group(), g -> new ArrayList<>()).add(grant);
    }
    groups.replaceAll((g, list) -> List.copyOf(list));
    this.byGroup = Map.copyOf(groups);
  }

  /** Parses {@code group=tenant:role} entries separated by commas or new lines. */
  public static RoleMapping parse(String spec) {
    List<Grant> grants = new ArrayList<>();
    for (String entry : spec.split("[,\\n]")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.lastIndexOf('=');
      int colon = entry.lastIndexOf(':');
      if (eq <= 0 || colon < eq + 2 || colon == entry.length() - 1) {
        throw new IllegalArgumentException(
            "role entry '" + entry.strip() + "' is not group=tenant:role");
      }
      grants.add(new Grant(
          entry.substring(0, eq).strip(),
          entry.substring(eq + 1, colon).strip(),
          Role.parse(entry.substring(colon + 1))));
    }
    return new RoleMapping(grants);
  }

  /** The reviewer {@code name}, a member of {@code groups}, is. */
  public Reviewer resolve(String name, Collection<String> groups) {
    Map<String, Role> tenants = new HashMap<>();
    Role every = null;
    for (String group : groups) {
      for (Grant grant : byGroup.getOrDefault(group, List.of())) {
        if (grant.tenant().equals(EVERY_TENANT)) {
          every = Role.higher(every, grant.role());
        } else {
          tenants.merge(grant.tenant(), grant.role(), Role::higher);
        }
      }
    }
    return new Reviewer(name, tenants, every);
  }

  @Override
  public String toString() {
    return "RoleMapping" + byGroup.values().stream().flatMap(List::stream).toList();
  }
}
