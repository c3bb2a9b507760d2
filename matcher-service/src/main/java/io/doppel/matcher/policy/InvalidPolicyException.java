package io.doppel.matcher.policy;

/** A policy file is missing, unreadable or invalid; the matcher must not start with it. */
public class InvalidPolicyException extends RuntimeException {
  public InvalidPolicyException(String message) {
    super(message);
  }

  public InvalidPolicyException(String message, Throwable cause) {
    super(message, cause);
  }
}
