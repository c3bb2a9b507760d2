package io.doppel.topology.match;

import io.doppel.schemas.avro.Decision;

/** Which output a match event goes to. Pure. */
public enum Routing {
  DUPLICATES,
  VIOLATIONS,
  OUTCOMES;

  /**
   * <pre>
   * route(DUPLICATE) = duplicates, route(COPYRIGHT_VIOLATION) = violations,
   * route(CLEAN | REGISTERED | DELETED) = outcomes
   * </pre>
   */
  public static Routing of(Decision decision) {
    return switch (decision) {
      case DUPLICATE -> DUPLICATES;
      case COPYRIGHT_VIOLATION -> VIOLATIONS;
      case CLEAN, REGISTERED, DELETED -> OUTCOMES;
    };
  }
}
