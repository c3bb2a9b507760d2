package io.doppel.topology.extract;

import io.doppel.topology.deadletter.RawRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * An upload waiting in the batch buffer: the consumed record as it arrived (so that a failure can
 * dead-letter the original bytes) and when it entered the buffer (wall clock, for {@code maxWait}).
 */
record BufferedUpload(RawRecord record, long bufferedAtMs) {

  private static final int FORMAT_VERSION = 1;
  private static final int ABSENT = -1;

  /** The changelog format of the buffer store: a version byte, then the fields in order. */
  static Serde<BufferedUpload> serde() {
    Serializer<BufferedUpload> serializer =
        (topic, upload) -> upload == null ? null : write(upload);
    Deserializer<BufferedUpload> deserializer =
        (topic, bytes) -> bytes == null ? null : read(bytes);
    return Serdes.serdeFrom(serializer, deserializer);
  }

  private static byte[] write(BufferedUpload upload) {
    RawRecord r = upload.record();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT_VERSION);
      out.writeUTF(r.topic());
      out.writeInt(r.partition());
      out.writeLong(r.offset());
      out.writeLong(r.timestamp());
      writeBytes(out, r.key());
      writeBytes(out, r.value());
      out.writeLong(upload.bufferedAtMs());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static BufferedUpload read(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      int version = in.readByte();
      if (version != FORMAT_VERSION) {
        throw new IllegalStateException(
            "batch buffer entry has format " + version + ", expected " + FORMAT_VERSION);
      }
      RawRecord record = new RawRecord(
          in.readUTF(), in.readInt(), in.readLong(), in.readLong(), readBytes(in), readBytes(in));
      return new BufferedUpload(record, in.readLong());
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt batch buffer entry", e);
    }
  }

  private static void writeBytes(DataOutputStream out, byte[] value) throws IOException {
    if (value == null) {
      out.writeInt(ABSENT);
    } else {
      out.writeInt(value.length);
      out.write(value);
    }
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int length = in.readInt();
    return length == ABSENT ? null : in.readNBytes(length);
  }
}
