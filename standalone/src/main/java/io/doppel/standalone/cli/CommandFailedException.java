package io.doppel.standalone.cli;

/**
 * A command could not do its work for a reason its message states in full (an unreachable broker, a registry that
 * refused a schema): printed without a stack trace, exit status 1.
 */
public class CommandFailedException extends RuntimeException {
  public CommandFailedException(String message) {
    super(message);
  }
}
