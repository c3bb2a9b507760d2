package io.doppel.matcher.score;

/** A calibration file is missing, unreadable or inconsistent; the matcher must not start with it. */
public class InvalidCalibrationException extends RuntimeException {
  public InvalidCalibrationException(String message) {
    super(message);
  }

  public InvalidCalibrationException(String message, Throwable cause) {
    super(message, cause);
  }
}
