package io.doppel.image.fetch;

import io.doppel.image.ImageRejectedException;
import io.doppel.schemas.avro.DeadLetterReason;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * SSRF guard: resolves a host and refuses it when any of its addresses is loopback, link-local
 * (cloud metadata at 169.254.169.254), private, carrier-grade NAT, unique-local, multicast or
 * unspecified, including IPv4 addresses embedded in IPv6 (mapped, compatible, NAT64), unless the
 * allow-list names the host or a block containing the address.
 */
public final class AddressPolicy {

  private static final List<Cidr> BLOCKED_BLOCKS = List.of(
      Cidr.parse("0.0.0.0/8"),
      Cidr.parse("100.64.0.0/10"),
      Cidr.parse("192.0.0.0/24"),
      Cidr.parse("198.18.0.0/15"),
      Cidr.parse("240.0.0.0/4"),
      Cidr.parse("255.255.255.255/32"),
      Cidr.parse("fc00::/7"));
  private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
  private static final int IPV4_BYTES = 4;
  private static final int IPV6_EMBEDDED_V4_OFFSET = 12;

  private final boolean blockPrivate;
  private final List<Cidr> allowedBlocks;
  private final Set<String> allowedHosts;

  public AddressPolicy(boolean blockPrivate, List<String> allowList) {
    this.blockPrivate = blockPrivate;
    List<Cidr> blocks = new ArrayList<>();
    for (String entry : allowList) {
      if (Cidr.looksLikeCidr(entry)) {
        blocks.add(Cidr.parse(entry));
      }
    }
    this.allowedBlocks = List.copyOf(blocks);
    this.allowedHosts = allowList.stream()
        .filter(entry -> !Cidr.looksLikeCidr(entry))
        .map(host -> host.toLowerCase(Locale.ROOT))
        .collect(Collectors.toUnmodifiableSet());
  }

  /** Resolves {@code host} and returns its addresses, or refuses with BLOCKED_ADDRESS. */
  public List<InetAddress> resolveAllowed(String host) throws ImageRejectedException {
    if (host == null || host.isBlank()) {
      throw new ImageRejectedException(DeadLetterReason.FETCH_FAILED, "URL has no host");
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new ImageRejectedException(
          DeadLetterReason.FETCH_FAILED, "cannot resolve host " + host, e);
    }
    if (!blockPrivate || allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
      return List.of(addresses);
    }
    for (InetAddress address : addresses) {
      if (isBlocked(address)
          && allowedBlocks.stream().noneMatch(block -> block.contains(address))) {
        throw new ImageRejectedException(
            DeadLetterReason.BLOCKED_ADDRESS,
            "host " + host + " resolves to " + address.getHostAddress()
                + ", a non-public address (allow it with fetch.allow-list)");
      }
    }
    return List.of(addresses);
  }

  static boolean isBlocked(InetAddress address) {
    if (address instanceof Inet6Address v6) {
      InetAddress embedded = embeddedIpv4(v6);
      if (embedded != null && isBlocked(embedded)) {
        return true;
      }
    }
    return address.isLoopbackAddress()
        || address.isLinkLocalAddress()
        || address.isSiteLocalAddress()
        || address.isMulticastAddress()
        || address.isAnyLocalAddress()
        || BLOCKED_BLOCKS.stream().anyMatch(block -> block.contains(address));
  }

  /** The IPv4 address inside ::ffff:a.b.c.d, ::a.b.c.d or 64:ff9b::a.b.c.d, else null. */
  private static InetAddress embeddedIpv4(Inet6Address address) {
    byte[] bytes = address.getAddress();
    boolean zeroPrefix = true;
    for (int i = 0; i < 10; i++) {
      zeroPrefix &= bytes[i] == 0;
    }
    boolean mapped = zeroPrefix && (bytes[10] & 0xFF) == 0xFF && (bytes[11] & 0xFF) == 0xFF;
    boolean compatible = zeroPrefix && bytes[10] == 0 && bytes[11] == 0;
    boolean nat64 = NAT64.contains(address);
    if (!(mapped || compatible || nat64)) {
      return null;
    }
    byte[] v4 = new byte[IPV4_BYTES];
    System.arraycopy(bytes, IPV6_EMBEDDED_V4_OFFSET, v4, 0, IPV4_BYTES);
    try {
      return Inet4Address.getByAddress(v4);
    } catch (UnknownHostException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
