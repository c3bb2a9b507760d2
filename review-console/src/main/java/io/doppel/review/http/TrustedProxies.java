package io.doppel.review.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The addresses identity headers are believed from: the authenticating proxy's (an ingress
 * controller running oauth2-proxy's checks, or oauth2-proxy itself). Anyone else could write an
 * {@code X-Forwarded-User} header, so from any other address those headers are ignored. Address
 * ranges in CIDR form ({@code 10.0.0.0/8}, {@code 127.0.0.1/32}, {@code ::1/128}); a bare address is
 * one host. Immutable.
 */
public final class TrustedProxies {

  private record Range(byte[] network, int prefix) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int full = prefix / Byte.SIZE;
      for (int i = 0; i < full; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = prefix % Byte.SIZE;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (Byte.SIZE - rest)) & 0xff;
      return (address[full] & mask) == (network[full] & mask);
    }
  }

  public static final TrustedProxies NONE = new TrustedProxies(List.of(), List.of());

  private final List<Range> ranges;
  private final List<String> spec;

  private TrustedProxies(List<Range> ranges, List<String> spec) {
    this.ranges = List.copyOf(ranges);
    this.spec = List.copyOf(spec);
  }

  /** Parses CIDR ranges or addresses; literal addresses only, never host names (no DNS lookups). */
  public static TrustedProxies parse(Collection<String> cidrs) {
    List<Range> ranges = new ArrayList<>();
    List<String> spec = new ArrayList<>();
    for (String raw : cidrs) {
      String cidr = raw.strip();
      if (cidr.isEmpty()) {
        continue;
      }
      int slash = cidr.indexOf('/');
      String host = slash < 0 ? cidr : cidr.substring(0, slash);
      if (!host.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
        throw new IllegalArgumentException(
            "trusted proxy '" + cidr + "' is not an IP address or CIDR range");
      }
      byte[] network;
      try {
        network = InetAddress.getByName(host).getAddress();
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("trusted proxy '" + cidr + "' is not an IP address", e);
      }
      int bits = network.length * Byte.SIZE;
      int prefix;
      try {
        prefix = slash < 0 ? bits : Integer.parseInt(cidr.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("trusted proxy '" + cidr + "': bad prefix length", e);
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException(
            "trusted proxy '" + cidr + "': prefix length must be 0 to " + bits);
      }
      ranges.add(new Range(network, prefix));
      spec.add(cidr);
    }
    return new TrustedProxies(ranges, spec);
  }

  public boolean trusts(InetAddress peer) {
    byte[] address = peer.getAddress();
    return ranges.stream().anyMatch(r -> r.contains(address));
  }

  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  @Override
  public String toString() {
    return "TrustedProxies" + spec;
  }
}
