package io.doppel.review.http;

import java.util.List;

/**
 * Who signed in, as the authenticating proxy (or a sign-in link) vouched: a name and the groups
 * the identity provider puts them in. Roles come from the groups ({@link
 * io.doppel.review.access.RoleMapping}), resolved on every request so that a changed mapping
 * applies at once.
 */
public record Identity(String name, List<String> groups) {

  /** Longest name or group kept; identity headers are not documents. */
  public static final int MAX_CHARS = 256;

  public Identity {
    if (name == null || name.isBlank() || name.length() > MAX_CHARS) {
      throw new IllegalArgumentException(
          "an identity needs a name of 1 to " + MAX_CHARS + " characters");
    }
    groups = List.copyOf(groups);
    for (String group : groups) {
      if (group.isBlank() || group.length() > MAX_CHARS) {
        throw new IllegalArgumentException(
            "a group name must be 1 to " + MAX_CHARS + " characters");
      }
    }
  }
}
