package io.doppel.image.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An address block such as {@code 10.0.0.0/8} or {@code fc00::/7}; a bare address is a /32 or /128. */
public record Cidr(byte[] network, int prefixLength) {

  public static Cidr parse(String text) {
    String[] parts = text.trim().split("/", 2);
    String address = parts[0].replace("[", "").replace("]", "");
    if (!address.matches("[0-9a-fA-F:.]+")
        || !(address.contains(":") || address.matches("[0-9.]+"))) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR block");
    }
    byte[] bytes;
    try {
      bytes = InetAddress.getByName(address).getAddress(); // a literal: no DNS lookup happens
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR block", e);
    }
    int maxPrefix = bytes.length * Byte.SIZE;
    int prefix;
    try {
      prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : maxPrefix;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' has a bad prefix length", e);
    }
    if (prefix < 0 || prefix > maxPrefix) {
      throw new IllegalArgumentException(
          "'" + text + "' prefix length must be in [0, " + maxPrefix + "]");
    }
    return new Cidr(bytes, prefix);
  }

  public static boolean looksLikeCidr(String text) {
    return text.contains("/") || text.matches("[0-9.]+") || text.contains(":");
  }

  public boolean contains(InetAddress address) {
    byte[] candidate = address.getAddress();
    if (candidate.length != network.length) {
      return false;
    }
    int fullBytes = prefixLength / Byte.SIZE;
    for (int i = 0; i < fullBytes; i++) {
      if (candidate[i] != network[i]) {
        return false;
      }
    }
    int remainingBits = prefixLength % Byte.SIZE;
    if (remainingBits == 0) {
      return true;
    }
    int mask = (0xFF << (Byte.SIZE - remainingBits)) & 0xFF;
    return (candidate[fullBytes] & mask) == (network[fullBytes] & mask);
  }
}
