package io.doppel.topology.intake;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Source URLs as Doppel passes them on: without the query, fragment and user information, which is where signed URLs
 * (S3, GCS, CDN tokens) and basic-auth URLs carry their secrets. Features, match events, dead letters and error
 * messages carry the redacted form; only the fetch itself (and a dead letter's original record bytes, kept for replay)
 * sees the URL as sent. Pure.
 *
 * <pre>
 * redacted(scheme://user:pw@host/path?query#fragment) = scheme://host/path?redacted
 * redacted(scheme://host/path#fragment)               = scheme://host/path
 * scrubbed(text) = text with every URL u in it replaced by redacted(u)
 * </pre>
 *
 * Guarded by {@code SourceUrlsTest}, and by {@code SignedSourcesStayOutOfOutputsTest}, which searches every output of
 * the extraction stage for the signature.
 */
public final class SourceUrls {

  /** What stands for a dropped query: a reader sees that there was one. */
  public static final String REDACTED_QUERY = "?redacted";

  private static final Pattern URL = Pattern.compile("[A-Za-z][A-Za-z0-9+.\\-]*://[^\\s\"'<>]+");

  private SourceUrls() {}

  /** {@code source} without query, fragment and user information; null for null. */
  public static String redacted(CharSequence source) {
    if (source == null) {
      return null;
    }
    String text = source.toString();
    int query = text.indexOf('?');
    int fragment = text.indexOf('#');
    int end = query < 0 ? fragment : fragment < 0 ? query : Math.min(query, fragment);
    String head = end < 0 ? text : text.substring(0, end);
    int schemeEnd = head.indexOf("://");
    if (schemeEnd >= 0) {
      int authorityStart = schemeEnd + 3;
      int slash = head.indexOf('/', authorityStart);
      int authorityEnd = slash < 0 ? head.length() : slash;
      int at = head.lastIndexOf('@', authorityEnd - 1);
      if (at >= authorityStart) {
        head = head.substring(0, authorityStart) + head.substring(at + 1);
      }
    }
    boolean hadQuery = query >= 0 && (fragment < 0 || query < fragment);
    return hadQuery ? head + REDACTED_QUERY : head;
  }

  /** {@code text} with every URL in it redacted; null for null. */
  public static String scrubbed(String text) {
    if (text == null || text.indexOf("://") < 0) {
      return text;
    }
    Matcher urls = URL.matcher(text);
    StringBuilder out = new StringBuilder(text.length());
    while (urls.find()) {
      urls.appendReplacement(out, Matcher.quoteReplacement(redacted(urls.group())));
    }
    urls.appendTail(out);
    return out.toString();
  }
}
