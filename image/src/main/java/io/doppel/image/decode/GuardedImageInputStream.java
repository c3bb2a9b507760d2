package io.doppel.image.decode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import javax.imageio.IIOException;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * The image bytes as ImageIO reads them, with two guards against inputs that make a reader spin:
 *
 * <pre>
 * a read after the deadline                        → {@link DeadlineExceeded}
 * more than {@value #MAX_READS_PAST_END} reads at the end of the data → {@link ReadPastEnd}
 * </pre>
 *
 * Why: TwelveMonkeys' WebP reader (3.14) swallows the EOFException of each byte read past the end
 * and keeps decoding zeros, so a 4 kB WebP whose header claims a tall canvas would decode for
 * minutes (guarded by MalformedImageFuzzIT). Both guards are plain IOExceptions, not
 * EOFExceptions, so no reader mistakes them for a recoverable end of stream. Readers that read
 * ahead a few bytes stay far below the limit.
 */
final class GuardedImageInputStream extends MemoryCacheImageInputStream {

  static final int MAX_READS_PAST_END = 4_096;

  /** The decode took longer than its budget. */
  static final class DeadlineExceeded extends IIOException {
    DeadlineExceeded(Duration timeout) {
      super("decoding took longer than " + timeout.toMillis() + " ms");
    }
  }

  /** The reader kept reading after the data ended: truncated or lying about its size. */
  static final class ReadPastEnd extends IIOException {
    ReadPastEnd() {
      super("the reader asked for data past the end of the image " + MAX_READS_PAST_END + " times");
    }
  }

  private final long deadlineNanos;
  private final Duration timeout;
  private int readsPastEnd;

  GuardedImageInputStream(byte[] bytes, Duration timeout) {
    super(new ByteArrayInputStream(bytes));
    this.timeout = timeout;
    this.deadlineNanos = System.nanoTime() + timeout.toNanos();
  }

  @Override
  public int read() throws IOException {
    check();
    return counted(super.read());
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    check();
    return length == 0 ? 0 : counted(super.read(buffer, offset, length));
  }

  /** Throws {@link DeadlineExceeded} once the decode's budget is spent: also for the work after the last read. */
  void checkDeadline() throws IIOException {
    check();
  }

  private void check() throws IIOException {
    if (System.nanoTime() - deadlineNanos > 0) {
      throw new DeadlineExceeded(timeout);
    }
  }

  private int counted(int result) throws IIOException {
    if (result < 0 && ++readsPastEnd > MAX_READS_PAST_END) {
      throw new ReadPastEnd();
    }
    return result;
  }
}
