package io.doppel.matcher.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** True (query, reference) pairs of the DEV set with their transform family, in file order. */
public final class DevPairs {

  /** One ground-truth pair; {@code params} is the transform's description (e.g. the photo box of a strip). */
  public record Pair(
      String queryId,
      String referenceId,
      String family,
      String params,
      Path query,
      Path reference) {}

  private DevPairs() {}

  public static List<Pair> read(Path dev) {
    try {
      Map<String, String> referenceOf = new HashMap<>();
      List<String> truth = Files.readAllLines(dev.resolve("ground_truth.csv"));
      for (String line : truth.subList(1, truth.size())) {
        String[] cells = line.split(",", -1);
        referenceOf.put(cells[0], cells[1]);
      }
      List<Pair> pairs = new ArrayList<>();
      List<String> transforms = Files.readAllLines(dev.resolve("transforms.csv"));
      for (String line : transforms.subList(1, transforms.size())) {
        String[] cells = line.split(",", 3);
        String reference = referenceOf.get(cells[0]);
        if (reference != null) {
          String params = cells.length > 2 ? cells[2].replace("\"", "") : "";
          pairs.add(new Pair(
              cells[0],
              reference,
              cells[1],
              params,
              dev.resolve("queries").resolve(cells[0] + ".jpg"),
              dev.resolve("refs").resolve(reference + ".jpg")));
        }
      }
      return pairs;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
