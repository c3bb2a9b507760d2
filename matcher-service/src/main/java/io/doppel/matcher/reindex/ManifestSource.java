package io.doppel.matcher.reindex;

import io.doppel.matcher.index.ImageRef;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The originals listed by a CSV manifest (an export of the platform's image table), one image a
 * line, with a header naming the columns:
 *
 * <pre>
 * tenant,image_id,purpose,source[,rights_holder,reference_set,uploaded_at]
 * acme,img-1,UPLOAD,https://images.example.com/1.jpg,,,2026-11-01T10:00:00Z
 * rights,ref-9,REFERENCE,refs/9.png,Studio A,studio-a,
 * </pre>
 *
 * Plain comma-separated values (no quoting); a relative {@code source} is a file beside the
 * manifest; {@code purpose} DELETE removes the image; an empty {@code uploaded_at} is the manifest
 * file's last-modified time (so reruns write the same rows). Every line is checked when the
 * manifest is read: a bad line fails the run before anything is written, naming its line number.
 */
public final class ManifestSource implements ReindexSource {

  static final String TENANT = "tenant";
  static final String IMAGE_ID = "image_id";
  static final String PURPOSE = "purpose";
  static final String SOURCE = "source";
  static final String RIGHTS_HOLDER = "rights_holder";
  static final String REFERENCE_SET = "reference_set";
  static final String UPLOADED_AT = "uploaded_at";
  private static final List<String> REQUIRED = List.of(TENANT, IMAGE_ID, PURPOSE, SOURCE);

  private final Path manifest;
  private final List<ReindexItem> items;
  private int position;

  public ManifestSource(Path manifest) {
    this.manifest = manifest.toAbsolutePath().normalize();
    this.items = read(this.manifest);
  }

  private static List<ReindexItem> read(Path manifest) {
    List<String> lines;
    Instant fileTime;
    try {
      lines = Files.readAllLines(manifest);
      fileTime = Files.getLastModifiedTime(manifest).toInstant();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the manifest " + manifest, e);
    }
    if (lines.isEmpty()) {
      throw new IllegalArgumentException(
          manifest + ": empty; the first line names the columns " + REQUIRED);
    }
    Map<String, Integer> columns = new HashMap<>();
    String[] header = lines.getFirst().strip().split(",", -1);
    for (int i = 0; i < header.length; i++) {
      columns.put(header[i].strip().toLowerCase(Locale.ROOT), i);
    }
    List<String> missing =
        REQUIRED.stream().filter(c -> !columns.containsKey(c)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException(manifest + ": the header lacks the columns " + missing
          + ", got " + Arrays.toString(header));
    }
    List<ReindexItem> items = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (int n = 1; n < lines.size(); n++) {
      String line = lines.get(n);
      if (line.isBlank()) {
        continue;
      }
      String[] fields = line.split(",", -1);
      try {
        items.add(item(manifest, columns, fields, fileTime));
      } catch (IllegalArgumentException | DateTimeParseException e) {
        problems.add("line " + (n + 1) + ": " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(manifest + ":\n  " + String.join("\n  ", problems));
    }
    return List.copyOf(items);
  }

  private static ReindexItem item(
      Path manifest, Map<String, Integer> columns, String[] fields, Instant fileTime) {
    String tenant = required(columns, fields, TENANT);
    String imageId = required(columns, fields, IMAGE_ID);
    Purpose purpose;
    try {
      purpose = Purpose.valueOf(required(columns, fields, PURPOSE).toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "purpose must be one of " + Arrays.toString(Purpose.values()));
    }
    String source = optional(columns, fields, SOURCE);
    if (source == null && purpose != Purpose.DELETE) {
      throw new IllegalArgumentException(SOURCE + " is required for " + purpose);
    }
    String rightsHolder = optional(columns, fields, RIGHTS_HOLDER);
    String referenceSet = optional(columns, fields, REFERENCE_SET);
    if (purpose == Purpose.REFERENCE && rightsHolder == null && referenceSet == null) {
      throw new IllegalArgumentException(
          "a REFERENCE needs " + RIGHTS_HOLDER + " or " + REFERENCE_SET);
    }
    String time = optional(columns, fields, UPLOADED_AT);
    UploadEvent event = UploadEvent.newBuilder()
        .setTenant(tenant)
        .setImageId(imageId)
        .setPurpose(purpose)
        .setRightsHolder(rightsHolder)
        .setReferenceSet(referenceSet)
        .setSource(source == null ? null : resolve(manifest, source))
        .setUploadedAt(time == null ? fileTime : Instant.parse(time))
        .build();
    return new ReindexItem(new ImageRef(tenant, imageId), event);
  }

  /** URLs stay as they are; anything else is a file path, relative to the manifest's folder. */
  private static String resolve(Path manifest, String source) {
    if (source.contains("://")) {
      return URI.create(source).toString();
    }
    // The manifest's path is absolute (the constructor makes it so), and a readable file is never
    // the root.
    return Objects.requireNonNull(manifest.getParent(), "the manifest's folder")
        .resolve(source)
        .toAbsolutePath()
        .normalize()
        .toUri()
        .toString();
  }

  private static String required(Map<String, Integer> columns, String[] fields, String column) {
    String value = optional(columns, fields, column);
    if (value == null) {
      throw new IllegalArgumentException(column + " is required");
    }
    return value;
  }

  private static String optional(Map<String, Integer> columns, String[] fields, String column) {
    Integer index = columns.get(column);
    if (index == null || index >= fields.length || fields[index].isBlank()) {
      return null;
    }
    return fields[index].strip();
  }

  /** Folders holding the manifest's local files: the extractor may read only inside them. */
  public List<Path> localFolders() {
    return items.stream()
        .map(ReindexItem::event)
        .filter(e -> e.getSource() != null && e.getSource().startsWith("file:"))
        .map(e -> Path.of(URI.create(e.getSource())).getParent())
        .distinct()
        .toList();
  }

  @Override
  public List<ReindexItem> next(int max) {
    int end = Math.min(items.size(), position + max);
    List<ReindexItem> batch = items.subList(position, end);
    position = end;
    return batch;
  }

  @Override
  public long size() {
    return items.size();
  }

  @Override
  public String describe() {
    return "manifest " + manifest + " (" + items.size() + " images)";
  }
}
