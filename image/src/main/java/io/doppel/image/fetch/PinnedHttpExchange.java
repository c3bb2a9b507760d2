package io.doppel.image.fetch;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 GET on a socket connected to an address the {@link AddressPolicy} checked: the host is never resolved
 * again, so a name that answers a public address to the check and a private one later (DNS rebinding) cannot reach the
 * private one. The socket takes no proxy ({@link Proxy#NO_PROXY}): no {@link java.net.ProxySelector} sees the request
 * or could route it around the check. TLS verifies the certificate against the URL's host and sends it as SNI. The
 * whole exchange ends by {@code deadline} (nanoTime), however slowly the server trickles its bytes. Guarded by {@code
 * DnsRebindingTest}.
 */
final class PinnedHttpExchange {

  /** The status, headers (names lower-case) and, for a 2xx answer, body of one response. */
  record Response(int status, Map<String, String> headers, byte[] body) {}

  /** The body passed the limit; the download was stopped. */
  static final class BodyTooLargeException extends IOException {
    BodyTooLargeException(String message) {
      super(message);
    }
  }

  private static final int MAX_LINE_BYTES = 16 * 1024;
  private static final int MAX_HEADERS = 200;

  private PinnedHttpExchange() {}

  static Response get(
      URI uri,
      List<InetAddress> addresses,
      int connectTimeoutMs,
      long deadlineNanos,
      long maxBytes,
      String userAgent,
      SSLContext tls)
      throws IOException {
    boolean secureChannel = "https".equalsIgnoreCase(uri.getScheme());
    int port = uri.getPort() >= 0 ? uri.getPort() : secureChannel ? 443 : 80;
    try (Socket socket = connect(addresses, port, connectTimeoutMs, deadlineNanos)) {
      Socket channel = secureChannel ? secure(socket, uri, port, deadlineNanos, tls) : socket;
      OutputStream out = channel.getOutputStream();
      out.write(request(uri, port, secureChannel, userAgent).getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = new BufferedInputStream(new DeadlineInputStream(channel, deadlineNanos));
      String statusLine = line(in);
      int status = status(statusLine);
      Map<String, String> headers = headers(in);
      if (status / 100 != 2) {
        return new Response(status, headers, null);
      }
      return new Response(status, headers, body(in, headers, maxBytes));
    } catch (SocketTimeoutException e) {
      throw new HttpTimeoutException("no complete response in time: " + e.getMessage());
    }
  }

  private static Socket connect(
      List<InetAddress> addresses, int port, int connectTimeoutMs, long deadlineNanos)
      throws IOException {
    IOException last = null;
    for (InetAddress address : addresses) {
      Socket socket = new Socket(Proxy.NO_PROXY);
      try {
        socket.connect(
            new InetSocketAddress(address, port),
            Math.max(1, Math.min(connectTimeoutMs, remainingMs(deadlineNanos))));
        return socket;
      } catch (SocketTimeoutException e) {
        socket.close();
        last = new HttpConnectTimeoutException(
            "connect to " + address.getHostAddress() + ":" + port + " timed out");
      } catch (IOException e) {
        socket.close();
        last = new IOException(
            "connect to " + address.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
      }
      if (remainingMs(deadlineNanos) <= 0) {
        break;
      }
    }
    throw last != null ? last : new IOException("no address to connect to");
  }

  /** {@code tls}: null for the JDK's default context. */
  private static Socket secure(Socket socket, URI uri, int port, long deadlineNanos, SSLContext tls)
      throws IOException {
    String host = bare(uri.getHost());
    SSLSocket ssl;
    try {
      SSLContext context = tls != null ? tls : SSLContext.getDefault();
      ssl = (SSLSocket) context.getSocketFactory().createSocket(socket, host, port, true);
    } catch (NoSuchAlgorithmException e) {
      throw new IOException("no TLS", e);
    }
    SSLParameters parameters = ssl.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    if (!isLiteral(host)) {
      parameters.setServerNames(List.of(new SNIHostName(host)));
    }
    ssl.setSSLParameters(parameters);
    ssl.setSoTimeout(Math.max(1, remainingMs(deadlineNanos)));
    ssl.startHandshake();
    return ssl;
  }

  private static String request(URI uri, int port, boolean tls, String userAgent) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    boolean defaultPort = port == (tls ? 443 : 80);
    String host = uri.getHost() + (defaultPort ? "" : ":" + port);
    return "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + userAgent
        + "\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n";
  }

  private static int status(String line) throws IOException {
    String[] parts = line.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("not an HTTP/1.x status line");
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("bad HTTP status");
    }
  }

  private static Map<String, String> headers(InputStream in) throws IOException {
    Map<String, String> headers = new HashMap<>();
    for (int count = 0; ; count++) {
      String line = line(in);
      if (line.isEmpty()) {
        return headers;
      }
      if (count >= MAX_HEADERS) {
        throw new IOException("more than " + MAX_HEADERS + " response headers");
      }
      int colon = line.indexOf(':');
      if (colon > 0) {
        headers.putIfAbsent(
            line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
            line.substring(colon + 1).trim());
      }
    }
  }

  private static byte[] body(InputStream in, Map<String, String> headers, long maxBytes)
      throws IOException {
    String encoding = headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (encoding.contains("chunked")) {
      while (true) {
        String size = line(in);
        int extension = size.indexOf(';');
        long chunk;
        try {
          chunk = Long.parseLong((extension < 0 ? size : size.substring(0, extension)).trim(), 16);
        } catch (NumberFormatException e) {
          throw new IOException("bad chunk size");
        }
        if (chunk == 0) {
          while (!line(in).isEmpty()) {
            // trailers, unused
          }
          return body.toByteArray();
        }
        if (chunk < 0 || body.size() + chunk > maxBytes) {
          throw new BodyTooLargeException("body is above the limit of " + maxBytes + " bytes");
        }
        copy(in, body, chunk);
        line(in);
      }
    }
    String declared = headers.get("content-length");
    if (declared != null) {
      long length;
      try {
        length = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        throw new IOException("bad Content-Length");
      }
      if (length > maxBytes) {
        throw new BodyTooLargeException(
            "Content-Length " + length + " is above the limit of " + maxBytes + " bytes");
      }
      copy(in, body, length);
      return body.toByteArray();
    }
    byte[] buffer = new byte[64 * 1024];
    for (int n; (n = in.read(buffer)) >= 0; ) {
      if (body.size() + (long) n > maxBytes) {
        throw new BodyTooLargeException("body is above the limit of " + maxBytes + " bytes");
      }
      body.write(buffer, 0, n);
    }
    return body.toByteArray();
  }

  private static void copy(InputStream in, ByteArrayOutputStream out, long length)
      throws IOException {
    byte[] buffer = new byte[(int) Math.min(64 * 1024, Math.max(1, length))];
    long left = length;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new IOException("the response ended " + left + " bytes early");
      }
      out.write(buffer, 0, n);
      left -= n;
    }
  }

  /** One CRLF- (or LF-) terminated line, without its terminator. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("the response ended inside its head");
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int length =
            bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
      }
      if (line.size() >= MAX_LINE_BYTES) {
        throw new IOException("a response line is longer than " + MAX_LINE_BYTES + " bytes");
      }
      line.write(b);
    }
  }

  static int remainingMs(long deadlineNanos) {
    long nanos = deadlineNanos - System.nanoTime();
    return nanos <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.max(1, nanos / 1_000_000));
  }

  private static String bare(String host) {
    return host != null && host.startsWith("[") && host.endsWith("]")
        ? host.substring(1, host.length() - 1)
        : host;
  }

  private static boolean isLiteral(String host) {
    return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
  }

  /** Every read waits at most until the deadline; past it, the exchange is over. */
  private static final class DeadlineInputStream extends InputStream {
    private final Socket socket;
    private final InputStream in;
    private final long deadlineNanos;

    DeadlineInputStream(Socket socket, long deadlineNanos) throws IOException {
      this.socket = socket;
      this.in = socket.getInputStream();
      this.deadlineNanos = deadlineNanos;
    }

    private void arm() throws IOException {
      int remaining = remainingMs(deadlineNanos);
      if (remaining <= 0) {
        throw new SocketTimeoutException("deadline passed");
      }
      socket.setSoTimeout(remaining);
    }

    @Override
    public int read() throws IOException {
      arm();
      return in.read();
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      arm();
      return in.read(buffer, offset, length);
    }
  }
}
