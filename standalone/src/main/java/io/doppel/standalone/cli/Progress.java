package io.doppel.standalone.cli;

import java.io.Console;
import java.io.PrintStream;
import java.time.Duration;

/**
 * A one-line progress bar with rate and ETA on stderr; redraws at most a few times a second and
 * prints plain lines when stderr is not a terminal (CI logs).
 */
public final class Progress {

  private static final int BAR_WIDTH = 30;
  private static final long REDRAW_NANOS = 250_000_000L;
  private static final long PLAIN_LINE_NANOS = 10_000_000_000L;

  private final String label;
  private final long total;
  private final PrintStream out;
  private final boolean terminal;
  private final long startNanos = System.nanoTime();
  private long lastDrawNanos;

  public Progress(String label, long total) {
    this.label = label;
    this.total = total;
    this.out = System.err;
    this.terminal = isTerminal(System.console());
  }

  public synchronized void update(long done) {
    long now = System.nanoTime();
    boolean finished = done >= total;
    if (!finished && now - lastDrawNanos < (terminal ? REDRAW_NANOS : PLAIN_LINE_NANOS)) {
      return;
    }
    lastDrawNanos = now;
    double seconds = Math.max(1e-9, (now - startNanos) / 1e9);
    double rate = done / seconds;
    String eta = rate > 0 && !finished
        ? format(Duration.ofSeconds((long) ((total - done) / rate)))
        : "--:--";
    int filled = total == 0 ? BAR_WIDTH : (int) (BAR_WIDTH * Math.min(1.0, done / (double) total));
    String line = String.format(
        "%-10s [%s%s] %d/%d  %.1f/s  elapsed %s  eta %s",
        label,
        "#".repeat(filled),
        ".".repeat(BAR_WIDTH - filled),
        done,
        total,
        rate,
        format(Duration.ofSeconds((long) seconds)),
        eta);
    if (terminal) {
      out.print("\r" + line + (finished ? "\n" : ""));
    } else {
      out.println(line);
    }
    out.flush();
  }

  private static String format(Duration d) {
    return d.toHours() > 0
        ? String.format("%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
        : String.format("%02d:%02d", d.toMinutesPart(), d.toSecondsPart());
  }

  /**
   * Whether the JVM's console is an interactive terminal. On JDK 21 and 25 {@code System.console()} is null unless
   * it is; JDK 22 to 24 return a console for redirected streams as well, and {@code Console.isTerminal()} (JDK 22+, not
   * in the release-21 API this compiles against) tells.
   */
  static boolean isTerminal(Console console) {
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (NoSuchMethodException e) {
      return true;
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }
}
