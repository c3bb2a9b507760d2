package io.doppel.standalone.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.doppel.extractor.config.ExtractorConfig;
import io.doppel.extractor.service.ServiceSettings;
import io.doppel.matcher.MatcherConfig;
import io.doppel.review.ReviewConsoleMain;
import io.doppel.topology.config.ConfigReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md lists every setting each program reads, with the default it has, and nothing it does not
 * read: the page is the configuration reference users rely on, so it must not drift from the readers.
 */
class ConfigurationReferenceTest {

  private static final Path PAGE = Path.of("..", "docs", "configuration.md");
  private static final Map<String, String> ENVIRONMENT = Map.of(
      "DOPPEL_KAFKA_BOOTSTRAP_SERVERS", "kafka:9092",
      "DOPPEL_SCHEMA_REGISTRY_URL", "http://registry:8081",
      "DOPPEL_MODEL_ID", "doppel-copy",
      "DOPPEL_MODEL_VERSION", "2",
      "DOPPEL_MODEL_DIMENSION", "256",
      "DOPPEL_REVIEW_TRUSTED_PROXIES", "10.0.0.0/8",
      "DOPPEL_REVIEW_ROLES", "reviewers=*:reviewer");

  /** Every setting each program reads, by variable; the same variable from two programs must agree. */
  private static List<ConfigReader.Setting> settingsOfEveryProgram() {
    ConfigReader extractor = ConfigReader.of(ExtractorConfig.PROGRAM, ENVIRONMENT);
    ServiceSettings.read(extractor);
    ExtractorConfig.read(extractor);
    ConfigReader matcher = ConfigReader.of(MatcherConfig.PROGRAM, ENVIRONMENT);
    MatcherConfig.read(matcher);
    ConfigReader milvus = ConfigReader.of(
        MatcherConfig.PROGRAM,
        Map.of("DOPPEL_MATCHER_INDEX", "milvus", "DOPPEL_MILVUS_URI", "http://milvus:19530"));
    MatcherConfig.readIndex(milvus, null);
    ConfigReader review = ConfigReader.of(ReviewConsoleMain.PROGRAM, ENVIRONMENT);
    ReviewConsoleMain.read(review);
    List<ConfigReader.Setting> all = new ArrayList<>();
    for (ConfigReader reader : List.of(extractor, matcher, milvus, review)) {
      all.addAll(reader.settingsRead());
    }
    return all;
  }

  @Test
  void everySettingReadIsListedWithItsDefault() throws IOException {
    Map<String, List<String>> rows = rows();
    List<String> missing = new ArrayList<>();
    List<String> wrongDefault = new ArrayList<>();
    for (ConfigReader.Setting setting : settingsOfEveryProgram()) {
      List<String> row = rowFor(rows, setting.variable());
      if (row == null) {
        missing.add(setting.variable());
        continue;
      }
      String documented = row.get(1);
      String actual = setting.defaultValue();
      if (documented.equals("CPU count")) {
        if (!String.valueOf(Runtime.getRuntime().availableProcessors()).equals(actual)) {
          wrongDefault.add(
              setting.variable() + ": the page says the CPU count, the reader " + actual);
        }
      } else if (actual != null
          && !actual.isEmpty()
          && !documented.equals(actual)
          && !documented.startsWith("as the ")) {
        wrongDefault.add(setting.variable() + ": the page says '" + documented + "', the reader '"
            + actual + "'");
      }
    }
    assertThat(missing).as("variables read but not on docs/configuration.md").isEmpty();
    assertThat(wrongDefault).as("defaults that differ").isEmpty();
  }

  @Test
  void everyVariableListedIsRead() throws IOException {
    Set<String> read = new HashSet<>();
    settingsOfEveryProgram().forEach(setting -> read.add(setting.variable()));
    List<String> stale = rows().keySet().stream()
        .filter(variable -> !variable.contains("*") && !read.contains(variable))
        .toList();
    assertThat(stale)
        .as("variables on docs/configuration.md that no program reads")
        .isEmpty();
  }

  /** Table rows by the variable in their first cell: {variable, default, meaning}. */
  private static Map<String, List<String>> rows() throws IOException {
    Map<String, List<String>> rows = new LinkedHashMap<>();
    for (String line : Files.readAllLines(PAGE)) {
      if (!line.startsWith("| `DOPPEL_")) {
        continue;
      }
      String[] cells = line.split("\\|");
      String variable = cells[1].strip().replace("`", "");
      rows.put(variable, List.of(variable, cells[2].strip(), cells[3].strip()));
    }
    return rows;
  }

  /** The row of {@code variable}, or of a wildcard row that covers it ({@code DOPPEL_REVIEW_FETCH_*}). */
  private static List<String> rowFor(Map<String, List<String>> rows, String variable) {
    if (rows.containsKey(variable)) {
      return rows.get(variable);
    }
    return rows.entrySet().stream()
        .filter(row -> row.getKey().endsWith("_*")
            && variable.startsWith(row.getKey().substring(0, row.getKey().length() - 1)))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElse(null);
  }
}
