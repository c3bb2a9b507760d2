package io.doppel.image.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The name service of this module's tests: a host under {@value #DOMAIN} answers {@link #PUBLIC} to its first lookup
 * and 127.0.0.1 to every later one, as an attacker's DNS server with a zero TTL does (DNS rebinding); a host under
 * {@value #LOOPBACK_DOMAIN} is always 127.0.0.1 (as many distinct host names as a test needs); every other name goes
 * to the JDK's resolver. The module's tests run with the JDK's address cache off ({@code sun.net.inetaddr.ttl=0}),
 * so each lookup reaches this resolver, as one does in production once the cache entry has expired.
 */
public final class RebindingResolverProvider extends InetAddressResolverProvider {

  static final String DOMAIN = ".rebind.test";
  static final String LOOPBACK_DOMAIN = ".loopback.test";
  /** A public address (TEST-NET-3) that nothing answers on. */
  static final String PUBLIC = "203.0.113.7";

  private static final Map<String, AtomicInteger> LOOKUPS = new ConcurrentHashMap<>();

  /** How often {@code host} was looked up. */
  static int lookups(String host) {
    AtomicInteger count = LOOKUPS.get(host);
    return count == null ? 0 : count.get();
  }

  @Override
  public InetAddressResolver get(Configuration configuration) {
    InetAddressResolver builtin = configuration.builtinResolver();
    return new InetAddressResolver() {
      @Override
      public Stream<InetAddress> lookupByName(String host, LookupPolicy policy)
          throws UnknownHostException {
        if (host.endsWith(LOOPBACK_DOMAIN)) {
          return List.of(InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})).stream();
        }
        if (!host.endsWith(DOMAIN)) {
          return builtin.lookupByName(host, policy);
        }
        int lookup = LOOKUPS.computeIfAbsent(host, h -> new AtomicInteger()).getAndIncrement();
        byte[] address =
            lookup == 0 ? new byte[] {(byte) 203, 0, 113, 7} : new byte[] {127, 0, 0, 1};
        return List.of(InetAddress.getByAddress(host, address)).stream();
      }

      @Override
      public String lookupByAddress(byte[] address) throws UnknownHostException {
        return builtin.lookupByAddress(address);
      }
    };
  }

  @Override
  public String name() {
    return "doppel-rebinding-test";
  }
}
