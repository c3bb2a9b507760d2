package io.doppel.standalone.cli;

/** The command line is wrong; the message says how. Exits with status 2. */
public class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }
}
