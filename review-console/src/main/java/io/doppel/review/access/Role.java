package io.doppel.review.access;

import java.util.Locale;

/**
 * What a reviewer may do in one tenant. A lead may do everything a reviewer may, and also change
 * which uploaders are allow-listed: an allow-list entry silences every later upload of that
 * uploader, so it is reserved to the people who answer for the tenant's policy.
 */
public enum Role {
  REVIEWER,
  LEAD;

  /** Whether this role may do what {@code needed} may. */
  public boolean includes(Role needed) {
    return compareTo(needed) >= 0;
  }

  /** {@code reviewer} or {@code lead}, as configured and recorded on decisions. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Role parse(String label) {
    for (Role role : values()) {
      if (role.label().equals(label.strip().toLowerCase(Locale.ROOT))) {
        return role;
      }
    }
    throw new IllegalArgumentException("unknown role '" + label + "': reviewer or lead");
  }

  /** The higher of two roles; null stands for no role. */
  static Role higher(Role a, Role b) {
    if (a == null) {
      return b;
    }
    return b == null || a.includes(b) ? a : b;
  }
}
