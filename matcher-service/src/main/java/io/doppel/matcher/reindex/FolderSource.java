package io.doppel.matcher.reindex;

import io.doppel.matcher.index.ImageRef;
import io.doppel.schemas.avro.Purpose;
import io.doppel.schemas.avro.UploadEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The image files of one folder (not its subfolders), sorted by name, as uploads of one tenant
 * with one purpose. An image's id is its file name without extension (as {@code ./doppel eval}
 * names references), its time the file's last-modified time, so two runs write identical rows.
 */
public final class FolderSource implements ReindexSource {

  static final Set<String> IMAGE_EXTENSIONS =
      Set.of("jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff");

  private final Path folder;
  private final List<Path> files;
  private final Owner owner;
  private int position;

  /** Who the folder's images belong to: tenant, purpose (UPLOAD or REFERENCE), and for references the holder and set. */
  public record Owner(String tenant, Purpose purpose, String rightsHolder, String referenceSet) {
    public Owner {
      if (tenant == null || tenant.isBlank()) {
        throw new IllegalArgumentException("a tenant is required");
      }
      if (purpose != Purpose.UPLOAD && purpose != Purpose.REFERENCE) {
        throw new IllegalArgumentException("purpose must be UPLOAD or REFERENCE, got " + purpose);
      }
      if (purpose == Purpose.REFERENCE && blank(rightsHolder) && blank(referenceSet)) {
        throw new IllegalArgumentException("references need a rights holder or a reference set");
      }
    }

    private static boolean blank(String value) {
      return value == null || value.isBlank();
    }
  }

  public FolderSource(Path folder, Owner owner) {
    this.folder = folder.toAbsolutePath().normalize();
    this.owner = owner;
    try (Stream<Path> entries = Files.list(this.folder)) {
      this.files = entries
          .filter(Files::isRegularFile)
          .filter(FolderSource::isImage)
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + folder, e);
    }
  }

  @Override
  public List<ReindexItem> next(int max) {
    int end = Math.min(files.size(), position + max);
    List<ReindexItem> batch =
        files.subList(position, end).stream().map(this::item).toList();
    position = end;
    return batch;
  }

  private ReindexItem item(Path file) {
    String imageId = idOf(file);
    UploadEvent event = UploadEvent.newBuilder()
        .setTenant(owner.tenant())
        .setImageId(imageId)
        .setPurpose(owner.purpose())
        .setRightsHolder(owner.rightsHolder())
        .setReferenceSet(owner.referenceSet())
        .setSource(file.toUri().toString())
        .setUploadedAt(lastModified(file))
        .build();
    return new ReindexItem(new ImageRef(owner.tenant(), imageId), event);
  }

  @Override
  public long size() {
    return files.size();
  }

  @Override
  public String describe() {
    return "folder " + folder + " (" + files.size() + " images of " + owner.tenant() + ", "
        + owner.purpose() + ")";
  }

  /** The file name without its extension. */
  public static String idOf(Path file) {
    String name = fileName(file);
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  /** Whether the file name has an image extension (jpg, jpeg, png, webp, gif, bmp, tif, tiff; any case). */
  public static boolean isImage(Path file) {
    String name = fileName(file);
    int dot = name.lastIndexOf('.');
    return dot >= 0 && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  private static String fileName(Path file) {
    return Objects.requireNonNull(file.getFileName(), () -> file + " names no file")
        .toString();
  }

  private static java.time.Instant lastModified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toInstant();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the time of " + file, e);
    }
  }
}
