package io.doppel.matcher.index.milvus;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy in front of a real server that can lose one answer: once armed, the connection on which the clients'
 * bytes pass a mark keeps carrying requests to the server, but the server's bytes on it are dropped and the connection
 * is closed a moment later. The request has landed; the client only sees the connection fail, as when a server dies
 * between applying a write and answering it.
 */
final class AnswerLosingProxy implements AutoCloseable {

  private static final int BUFFER_BYTES = 64 * 1024;

  private final ServerSocket listener;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  /** Client bytes forwarded so far, over every connection. */
  private final AtomicLong clientBytes = new AtomicLong();
  /** The client byte count at which the answer is lost; -1 when not armed. */
  private final AtomicLong loseAt = new AtomicLong(-1);

  private final AtomicInteger answersLost = new AtomicInteger();
  private volatile Duration closeAfter = Duration.ZERO;

  private AnswerLosingProxy(ServerSocket listener, InetSocketAddress target) {
    this.listener = listener;
    this.target = target;
  }

  /** Listens on a free loopback port and forwards to the host and port of {@code server}. */
  static AnswerLosingProxy start(URI server) throws IOException {
    ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    AnswerLosingProxy proxy =
        new AnswerLosingProxy(listener, new InetSocketAddress(server.getHost(), server.getPort()));
    Thread.ofPlatform().daemon().name("proxy-accept").start(proxy::accept);
    return proxy;
  }

  String uri() {
    return "http://127.0.0.1:" + listener.getLocalPort();
  }

  long clientBytes() {
    return clientBytes.get();
  }

  /** Loses the answers on the connection whose client bytes reach {@code clientBytes}, closing it {@code closeAfter} later. */
  void loseAnswerAt(long clientBytes, Duration closeAfter) {
    this.closeAfter = closeAfter;
    loseAt.set(clientBytes);
  }

  int answersLost() {
    return answersLost.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(target.getAddress(), target.getPort());
        sockets.add(client);
        sockets.add(server);
        AtomicBoolean losing = new AtomicBoolean();
        Thread.ofPlatform()
            .daemon()
            .name("proxy-requests")
            .start(() -> requests(client, server, losing));
        Thread.ofPlatform()
            .daemon()
            .name("proxy-answers")
            .start(() -> answers(server, client, losing));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void requests(Socket client, Socket server, AtomicBoolean losing) {
    byte[] buffer = new byte[BUFFER_BYTES];
    try (InputStream in = client.getInputStream();
        OutputStream out = server.getOutputStream()) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        out.flush();
        long total = clientBytes.addAndGet(n);
        long mark = loseAt.get();
        if (mark >= 0 && total >= mark && loseAt.compareAndSet(mark, -1)) {
          losing.set(true);
          answersLost.incrementAndGet();
          Thread.ofPlatform().daemon().name("proxy-close").start(() -> closeLater(client, server));
        }
      }
    } catch (IOException e) {
      // the connection was closed: by either side or by closeLater
    } finally {
      closeQuietly(client, server);
    }
  }

  private void answers(Socket server, Socket client, AtomicBoolean losing) {
    byte[] buffer = new byte[BUFFER_BYTES];
    try (InputStream in = server.getInputStream();
        OutputStream out = client.getOutputStream()) {
      for (int n; (n = in.read(buffer)) >= 0; ) {
        if (!losing.get()) {
          out.write(buffer, 0, n);
          out.flush();
        }
      }
    } catch (IOException e) {
      // closed
    } finally {
      closeQuietly(client, server);
    }
  }

  private void closeLater(Socket client, Socket server) {
    try {
      Thread.sleep(closeAfter);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeQuietly(client, server);
  }

  private static void closeQuietly(Socket... sockets) {
    for (Socket socket : sockets) {
      try {
        socket.close();
      } catch (IOException e) {
        // already closed
      }
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    sockets.forEach(AnswerLosingProxy::closeQuietly);
  }
}
