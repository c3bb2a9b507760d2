package io.doppel.matcher.index.lucene;

import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.schemas.avro.Purpose;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index writes made since the last Lucene commit, appended to one file and synced on every stream commit, so that
 * a Lucene commit (a flush to a new segment and an fsync of its files) is needed only every few seconds: a stream task
 * commits every {@code StreamsRuntime.DEFAULT_COMMIT_INTERVAL} (25 ms, unless DOPPEL_MATCHER_COMMIT_INTERVAL_MS says
 * otherwise) under exactly-once, and a Lucene commit per task commit would make a segment per upload. On opening the
 * index, the log is replayed into it and committed (guarded by
 * LuceneVectorIndexTest#writesCommittedOnlyToTheLogSurviveACrash).
 *
 * <p>Each record is {@code length, CRC-32C, payload}. A record cut short or failing its checksum ends the log: it was
 * written after the last sync, so no stream commit covers it and its input is processed again. Not thread-safe: the
 * index calls it under its write lock.
 *
 * <p>Payloads of kind {@code UPSERT} and {@code DELETE} hold their strings as {@link DataOutputStream#writeUTF}
 * writes them (at most 65,535 bytes) and no write time; the index writes kinds {@code UPSERT_2} and {@code DELETE_2}
 * (strings as a length and UTF-8 bytes, and the image's write time) and still replays the others, which a log left by
 * an earlier version may hold. Guarded by {@code WriteAheadLogTest}.
 */
final class WriteAheadLog implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);
  private static final byte UPSERT = 1;
  private static final byte DELETE = 2;
  private static final byte UPSERT_2 = 3;
  private static final byte DELETE_2 = 4;
  /** Far above any image's record (a few hundred KB with thousands of keypoints): a larger length is a torn header. */
  private static final int MAX_RECORD_BYTES = 64 << 20;

  /** One logged write: an upsert of {@code image}, or a delete of {@code ref} when {@code image} is null. */
  record Entry(ImageRef ref, IndexedImage image) {}

  private final Path file;
  private FileChannel channel;
  private DataOutputStream out;
  private long bytes;

  private WriteAheadLog(Path file) throws IOException {
    this.file = file;
    open(StandardOpenOption.APPEND);
  }

  /** Opens the log at {@code file} for appending, creating it if absent. */
  static WriteAheadLog open(Path file) throws IOException {
    return new WriteAheadLog(file);
  }

  /** The complete records of the log at {@code file}, oldest first; none when there is no file. */
  static List<Entry> read(Path file) throws IOException {
    List<Entry> entries = new ArrayList<>();
    if (!Files.exists(file)) {
      return entries;
    }
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      while (true) {
        byte[] payload = nextPayload(in);
        if (payload == null) {
          break;
        }
        entries.add(decode(payload));
      }
    }
    return entries;
  }

  private static byte[] nextPayload(DataInputStream in) throws IOException {
    int length;
    int checksum;
    try {
      length = in.readInt();
      checksum = in.readInt();
    } catch (EOFException end) {
      return null;
    }
    if (length < 0 || length > MAX_RECORD_BYTES) {
      LOG.warn(
          "index write-ahead log ends in a torn record header (length {}); the writes after it were never synced",
          length);
      return null;
    }
    byte[] payload = new byte[length];
    try {
      in.readFully(payload);
    } catch (EOFException end) {
      LOG.warn(
          "index write-ahead log ends in a record cut short; the writes after it were never synced");
      return null;
    }
    if (crc(payload) != checksum) {
      LOG.warn(
          "index write-ahead log record fails its checksum; replay stops there (the writes after it were never synced)");
      return null;
    }
    return payload;
  }

  void appendUpsert(IndexedImage image) throws IOException {
    append(encode(image));
  }

  void appendDelete(ImageRef ref) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream payload = new DataOutputStream(bytes);
    payload.writeByte(DELETE_2);
    writeString(payload, ref.tenant());
    writeString(payload, ref.imageId());
    append(bytes.toByteArray());
  }

  private void append(byte[] payload) throws IOException {
    out.writeInt(payload.length);
    out.writeInt(crc(payload));
    out.write(payload);
    bytes += 2L * Integer.BYTES + payload.length;
  }

  /** Bytes appended since the log was last emptied. */
  long bytes() {
    return bytes;
  }

  /** Makes every appended record durable. */
  void sync() throws IOException {
    out.flush();
    channel.force(false);
  }

  /** Empties the log: a Lucene commit now holds every write in it. */
  void clear() throws IOException {
    out.close();
    open(StandardOpenOption.TRUNCATE_EXISTING);
    channel.force(true);
    bytes = 0;
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  private void open(StandardOpenOption mode) throws IOException {
    channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode);
    out =
        new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16));
  }

  private static byte[] encode(IndexedImage image) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream payload = new DataOutputStream(bytes);
    payload.writeByte(UPSERT_2);
    writeString(payload, image.ref().tenant());
    writeString(payload, image.ref().imageId());
    writeString(payload, image.purpose().name());
    writeNullable(payload, image.rightsHolder());
    writeNullable(payload, image.referenceSet());
    payload.writeLong(image.indexedAtMillis());
    payload.writeLong(image.writtenAtMillis());
    payload.writeInt(image.width());
    payload.writeInt(image.height());
    payload.writeInt(image.globals().size());
    for (float[] global : image.globals()) {
      writeFloats(payload, global);
    }
    StoredKeypoints keypoints = image.keypoints();
    payload.writeInt(keypoints.descriptorBytes());
    writeFloats(payload, keypoints.xs());
    writeFloats(payload, keypoints.ys());
    payload.writeInt(keypoints.descriptors().length);
    payload.write(keypoints.descriptors());
    return bytes.toByteArray();
  }

  private static Entry decode(byte[] bytes) throws IOException {
    DataInputStream payload = new DataInputStream(new ByteArrayInputStream(bytes));
    byte kind = payload.readByte();
    if (kind != UPSERT && kind != DELETE && kind != UPSERT_2 && kind != DELETE_2) {
      throw new IOException("index write-ahead log record of unknown kind " + kind);
    }
    boolean second = kind == UPSERT_2 || kind == DELETE_2;
    ImageRef ref = new ImageRef(readString(payload, second), readString(payload, second));
    if (kind == DELETE || kind == DELETE_2) {
      return new Entry(ref, null);
    }
    Purpose purpose = Purpose.valueOf(readString(payload, second));
    String rightsHolder = readNullable(payload, second);
    String referenceSet = readNullable(payload, second);
    long indexedAt = payload.readLong();
    long writtenAt = second ? payload.readLong() : indexedAt;
    int width = payload.readInt();
    int height = payload.readInt();
    int globalCount = payload.readInt();
    List<float[]> globals = new ArrayList<>(globalCount);
    for (int i = 0; i < globalCount; i++) {
      globals.add(readFloats(payload));
    }
    int descriptorBytes = payload.readInt();
    float[] xs = readFloats(payload);
    float[] ys = readFloats(payload);
    byte[] descriptors = new byte[payload.readInt()];
    payload.readFully(descriptors);
    StoredKeypoints keypoints = new StoredKeypoints(xs, ys, descriptors, descriptorBytes);
    return new Entry(
        ref,
        new IndexedImage(
            ref,
            purpose,
            rightsHolder,
            referenceSet,
            indexedAt,
            width,
            height,
            globals,
            keypoints,
            writtenAt));
  }

  private static void writeNullable(DataOutputStream out, String value) throws IOException {
    out.writeBoolean(value != null);
    if (value != null) {
      writeString(out, value);
    }
  }

  private static String readNullable(DataInputStream in, boolean second) throws IOException {
    return in.readBoolean() ? readString(in, second) : null;
  }

  /** A length and the UTF-8 bytes: no 64 KB limit, unlike {@link DataOutputStream#writeUTF}. */
  private static void writeString(DataOutputStream out, String value) throws IOException {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  /** A string of a record of the second kinds ({@link #writeString}), or of the first ({@code readUTF}). */
  private static String readString(DataInputStream in, boolean second) throws IOException {
    if (!second) {
      return in.readUTF();
    }
    int length = in.readInt();
    if (length < 0 || length > MAX_RECORD_BYTES) {
      throw new IOException("index write-ahead log string of length " + length);
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static void writeFloats(DataOutputStream out, float[] values) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES);
    buffer.asFloatBuffer().put(values);
    out.writeInt(values.length);
    out.write(buffer.array());
  }

  private static float[] readFloats(DataInputStream data) throws IOException {
    int count = data.readInt();
    byte[] bytes = new byte[count * Float.BYTES];
    data.readFully(bytes);
    float[] values = new float[count];
    ByteBuffer.wrap(bytes).asFloatBuffer().get(values);
    return values;
  }

  private static int crc(byte[] payload) {
    CRC32C crc = new CRC32C();
    crc.update(payload);
    return (int) crc.getValue();
  }
}
