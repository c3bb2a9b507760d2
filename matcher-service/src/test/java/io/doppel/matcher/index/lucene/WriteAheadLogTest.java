package io.doppel.matcher.index.lucene;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.IndexedImage;
import io.doppel.matcher.index.StoredKeypoints;
import io.doppel.schemas.avro.Purpose;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The index's write-ahead log: what it writes comes back whole, and a log an earlier version wrote still replays. */
class WriteAheadLogTest {

  @TempDir
  Path directory;

  @Test
  void writesComeBackWithTheirWriteTimeAndStringsLongerThanWriteUtfAllows() throws IOException {
    Path file = directory.resolve("log");
    String longName = "n".repeat(70_000);
    IndexedImage image = new IndexedImage(
        new ImageRef("tenant", "img"),
        Purpose.REFERENCE,
        longName,
        "set",
        1_000L,
        64,
        48,
        List.of(new float[] {1, 2, 3}),
        new StoredKeypoints(new float[] {1}, new float[] {2}, new byte[32], 32),
        2_000L);
    try (WriteAheadLog log = WriteAheadLog.open(file)) {
      log.appendUpsert(image);
      log.appendDelete(new ImageRef("tenant", "gone"));
      log.sync();
    }

    List<WriteAheadLog.Entry> entries = WriteAheadLog.read(file);

    assertThat(entries).hasSize(2);
    IndexedImage read = entries.get(0).image();
    assertThat(read.rightsHolder()).isEqualTo(longName);
    assertThat(read.indexedAtMillis()).isEqualTo(1_000L);
    assertThat(read.writtenAtMillis()).isEqualTo(2_000L);
    assertThat(entries.get(1))
        .isEqualTo(new WriteAheadLog.Entry(new ImageRef("tenant", "gone"), null));
  }

  /** The first record kinds, as the version before write times wrote them: {@code writeUTF} strings, no write time. */
  @Test
  void aLogOfTheFirstRecordKindsStillReplaysWithTheIndexTimeAsTheWriteTime() throws IOException {
    ByteArrayOutputStream upsert = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(upsert);
    out.writeByte(1);
    out.writeUTF("tenant");
    out.writeUTF("old");
    out.writeUTF("UPLOAD");
    out.writeBoolean(false);
    out.writeBoolean(false);
    out.writeLong(5_000L);
    out.writeInt(64);
    out.writeInt(48);
    out.writeInt(1);
    out.writeInt(2);
    out.write(ByteBuffer.allocate(8).putFloat(1).putFloat(0).array());
    out.writeInt(32);
    out.writeInt(0);
    out.writeInt(0);
    out.writeInt(0);
    ByteArrayOutputStream delete = new ByteArrayOutputStream();
    DataOutputStream deleteOut = new DataOutputStream(delete);
    deleteOut.writeByte(2);
    deleteOut.writeUTF("tenant");
    deleteOut.writeUTF("gone");
    Path file = directory.resolve("old-log");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    DataOutputStream logOut = new DataOutputStream(log);
    for (byte[] payload : List.of(upsert.toByteArray(), delete.toByteArray())) {
      CRC32C crc = new CRC32C();
      crc.update(payload);
      logOut.writeInt(payload.length);
      logOut.writeInt((int) crc.getValue());
      logOut.write(payload);
    }
    Files.write(file, log.toByteArray());

    List<WriteAheadLog.Entry> entries = WriteAheadLog.read(file);

    assertThat(entries).hasSize(2);
    IndexedImage read = entries.get(0).image();
    assertThat(read.ref()).isEqualTo(new ImageRef("tenant", "old"));
    assertThat(read.indexedAtMillis()).isEqualTo(5_000L);
    assertThat(read.writtenAtMillis()).isEqualTo(5_000L);
    assertThat(read.globals())
        .singleElement()
        .satisfies(global -> assertThat(global).containsExactly(1f, 0f));
    assertThat(entries.get(1).image()).isNull();
    assertThat(entries.get(1).ref()).isEqualTo(new ImageRef("tenant", "gone"));
  }
}
