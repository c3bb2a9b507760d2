package io.doppel.review;

import io.doppel.review.http.Identity;
import io.doppel.review.http.Sessions;
import io.doppel.topology.config.ConfigReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Prints a sign-in link for the console, for where no authenticating proxy stands in front of it
 * (a laptop's compose stack) or it is down (break-glass). Whoever holds the console's session secret
 * ({@code DOPPEL_REVIEW_SESSION_SECRET} or {@code _FILE}, the console's own) can mint one, so the
 * secret is what guards this; the link names a person and their groups, and expires.
 *
 * <p>Usage: {@code SignInLinkMain <name> <group,group…> [lifetime, ISO-8601, default PT15M]}; prints the path
 * and query to append to the console's address.
 */
public final class SignInLinkMain {

  public static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(15);

  private SignInLinkMain() {}

  /** The link's path and query for {@code args}, signed with the secret in {@code environment}. */
  static String link(String[] args, Map<String, String> environment, Clock clock) {
    if (args.length < 2 || args.length > 3) {
      throw new IllegalArgumentException(
          "usage: SignInLinkMain <name> <group,group…> [lifetime, e.g. PT15M]");
    }
    ConfigReader reader = ConfigReader.of(ReviewConsoleMain.PROGRAM, environment);
    ConfigReader r = reader.section(ReviewConsoleMain.PROGRAM);
    String secret = r.secret("session.secret");
    Duration ttl = r.duration("session.ttl", ReviewConsoleMain.DEFAULT_SESSION_TTL);
    reader.check(
        secret != null,
        reader.describe(r.name("session.secret"))
            + " (or its _FILE) is required: the console's own, or the link will not be accepted");
    reader.finish();
    Sessions sessions = new Sessions(secret.getBytes(StandardCharsets.UTF_8), ttl);
    List<String> groups = Arrays.stream(args[1].split(","))
        .map(String::strip)
        .filter(g -> !g.isEmpty())
        .toList();
    Duration lifetime = args.length == 3 ? Duration.parse(args[2]) : DEFAULT_LIFETIME;
    String value = sessions.sign(
        Sessions.Purpose.SIGN_IN_LINK,
        new Identity(args[0], groups),
        clock.instant().plus(lifetime));
    return "/sign-in?link=" + value;
  }

  public static void main(String[] args) {
    try {
      System.out.println(link(args, System.getenv(), Clock.systemUTC()));
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.exit(2);
    }
  }
}
