package io.doppel.standalone.calibrate;

import io.doppel.matcher.score.Calibration;
import io.doppel.matcher.score.CalibrationFitter;
import io.doppel.matcher.score.CalibrationFitter.Samples;
import io.doppel.matcher.score.CandidateFeatures;
import io.doppel.matcher.score.FusedScorer;
import io.doppel.matcher.score.HeldOutSplit;
import io.doppel.standalone.calibrate.IscMetrics.Prediction;
import io.doppel.standalone.cli.Args;
import io.doppel.standalone.cli.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code doppel calibrate}: fits the score calibration on one half of the evaluation data and reports it on the other.
 * The halves come from a {@link HeldOutSplit} (by reference, across every set given), so a figure printed as held out
 * was measured on queries whose references the fit never saw; the fit half's figures are printed too, labelled
 * in-sample. With {@code --held-out} it scores an eval's predictions on the held-out half of a calibration's split,
 * and refuses a calibration fitted on all its data, whose figures would be in-sample.
 */
public final class CalibrateCommand {

  public static final String USAGE = """
      doppel calibrate --candidates F[,F...] --gt F[,F...] --transforms F[,F...] --out FILE --version V [options]
        --candidates F,...    ./doppel eval --candidates files, one per evaluation set
        --gt F,...            each set's ground_truth.csv (query_id,reference_id), in the same order
        --transforms F,...    each set's transforms.csv (every query, copies and distractors)
        --out FILE            the calibration JSON, fitted on the fit half of every set
        --version V           its version, recorded in every MatchEvent
        --features A,B,...    features to weigh (default: all of CandidateFeatures.FEATURE_NAMES)
        --salt S              names the split (default doppel-split-1); --fit-half 0|1 (default 0)
        --model ID/VERSION    the global model the candidates came from (default doppel-copy/2)
        --note TEXT           what the data were, for the calibration's fittedOn
        --fit-sets I,J        fit on the fit half of these sets only (0-based, in --candidates order; default all):
                              the other sets are then held out whole, a test of kinds of copy the fit never saw
      doppel calibrate --held-out --calibration FILE --pred F --gt F --transforms F [--out DIR]
        scores predictions on the queries the calibration's fit did not see; --out DIR writes them, with their
        ground truth and transforms, for ../shared/eval/score.py
      """;

  private CalibrateCommand() {}

  public static int run(Args args) {
    return args.flag("held-out") ? heldOut(args) : fit(args);
  }

  /** One evaluation set: its candidates, ground truth (query to reference) and every query's family. */
  private record EvalSet(
      String name,
      Samples samples,
      List<Double> recordedScores,
      Map<String, String> truth,
      Map<String, String> families) {}

  private static int fit(Args args) {
    List<Path> candidateFiles = paths(args.required("candidates"));
    List<Path> truthFiles = paths(args.required("gt"));
    List<Path> transformFiles = paths(args.required("transforms"));
    Path out = Path.of(args.required("out"));
    String version = args.required("version");
    List<String> features = args.string("features", null) == null
        ? CandidateFeatures.FEATURE_NAMES
        : List.of(args.string("features", null).split(","));
    HeldOutSplit split = new HeldOutSplit(
        args.string("salt", HeldOutSplit.DEFAULT_SALT), args.integer("fit-half", 0, 0));
    String model = args.string("model", "doppel-copy/2");
    String note = args.string("note", "");
    String fitSets = args.string("fit-sets", null);
    args.rejectUnknown();
    if (candidateFiles.size() != truthFiles.size()
        || candidateFiles.size() != transformFiles.size()) {
      throw new UsageException("give one --gt and one --transforms file per --candidates file");
    }
    List<EvalSet> sets = new ArrayList<>();
    for (int i = 0; i < candidateFiles.size(); i++) {
      sets.add(read(candidateFiles.get(i), truthFiles.get(i), transformFiles.get(i)));
    }

    Set<Integer> fitted = new LinkedHashSet<>();
    for (int i = 0; i < sets.size(); i++) {
      if (fitSets == null || Arrays.asList(fitSets.split(",")).contains(String.valueOf(i))) {
        fitted.add(i);
      }
    }
    if (fitted.isEmpty()) {
      throw new UsageException(
          "--fit-sets names none of the " + sets.size() + " --candidates files");
    }
    Samples fitRows = null;
    for (int i : fitted) {
      EvalSet set = sets.get(i);
      Samples half = set.samples().where(query -> !heldOut(split, set, query));
      fitRows = fitRows == null ? half : fitRows.plus(half);
    }
    String fittedOn = String.format(
            Locale.ROOT,
            "Fitted by ./doppel calibrate on the fit half (%d of split '%s', by reference)"
                + " of the verified candidates of %s: %d rows, %d copies. %s",
            split.fittedHalf(),
            split.salt(),
            fitted.stream().map(i -> sets.get(i).name()).toList(),
            fitRows.labels().size(),
            fitRows.labels().stream().mapToInt(Integer::intValue).sum(),
            note)
        .strip();
    Calibration fit =
        CalibrationFitter.fit(fitRows, features, version, fittedOn).forGlobalModel(model);
    Calibration calibration = new Calibration(
        fit.version(),
        false,
        fit.fittedOn(),
        fit.globalModel(),
        split,
        fit.features(),
        fit.weights(),
        fit.bias());
    calibration.write(out);

    FusedScorer scorer = new FusedScorer(calibration);
    System.out.printf(
        "doppel calibrate: %s written to %s: weights %s over %s, bias %.4f%n",
        version, out, calibration.weights(), calibration.features(), calibration.bias());
    for (int i = 0; i < sets.size(); i++) {
      EvalSet set = sets.get(i);
      if (!fitted.contains(i)) {
        // no row of this set was fitted on: all of it is held out, though its references may be
        // shared with a fitted
        // set, so its held-out half is printed too
        System.out.printf("%n%s (not fitted on)%n", set.name());
        System.out.println("  all, " + version + "      : "
            + metrics(set, q -> true, rescored(set, scorer)).summary());
      } else {
        System.out.printf("%n%s (re-scored candidates)%n", set.name());
      }
      System.out.println("  held out, as evaluated : "
          + metrics(set, q -> heldOut(split, set, q), set.recordedScores()).summary());
      System.out.println("  held out, " + version + " : "
          + metrics(set, q -> heldOut(split, set, q), rescored(set, scorer)).summary());
      if (fitted.contains(i)) {
        System.out.println("  in-sample, " + version + ": "
            + metrics(set, q -> !heldOut(split, set, q), rescored(set, scorer)).summary());
      }
    }
    System.out.println(
        "\nOnly the held-out lines are out-of-sample. Confirm with ./doppel eval --calibration, then"
            + " ./doppel calibrate --held-out on its predictions.");
    return 0;
  }

  private static int heldOut(Args args) {
    Calibration calibration = Calibration.load(Path.of(args.required("calibration")));
    Path predictionsFile = Path.of(args.required("pred"));
    Path truthFile = Path.of(args.required("gt"));
    Path transformsFile = Path.of(args.required("transforms"));
    String outDir = args.string("out", null);
    args.rejectUnknown();
    HeldOutSplit split = calibration.split();
    if (split == null) {
      throw new UsageException(
          "calibration " + calibration.version() + " records no split: it was fitted on all of its"
              + " data, so any figure on that data is in-sample and there is no held-out half to score");
    }
    Map<String, String> truth = table(truthFile, "query_id", "reference_id");
    Map<String, String> families = table(transformsFile, "query_id", "family");
    Predicate<String> held = query -> split.heldOut(HeldOutSplit.groupOf(query, truth.get(query)));
    List<Prediction> predictions = readPredictions(predictionsFile).stream()
        .filter(p -> held.test(p.queryId()))
        .toList();
    Map<String, String> heldTruth = new LinkedHashMap<>();
    truth.forEach((query, reference) -> {
      if (held.test(query)) {
        heldTruth.put(query, reference);
      }
    });
    Set<String> heldDistractors = new LinkedHashSet<>();
    families.keySet().stream()
        .filter(query -> !truth.containsKey(query) && held.test(query))
        .forEach(heldDistractors::add);
    IscMetrics metrics = IscMetrics.of(heldTruth, heldDistractors, predictions);
    System.out.printf(
        "held out of %s (split '%s', fitted on half %d): %s%n",
        calibration.version(), split.salt(), split.fittedHalf(), metrics.summary());
    if (outDir != null) {
      writeHeldOut(Path.of(outDir), heldTruth, families, heldDistractors, predictions);
      System.out.printf(
          "wrote %s: score it with python3 ../shared/eval/score.py --gt %s/ground_truth.csv --pred"
              + " %s/predictions.csv --transforms %s/transforms.csv%n",
          outDir, outDir, outDir, outDir);
    }
    return 0;
  }

  private static boolean heldOut(HeldOutSplit split, EvalSet set, String query) {
    return split.heldOut(HeldOutSplit.groupOf(query, set.truth().get(query)));
  }

  private static IscMetrics metrics(EvalSet set, Predicate<String> side, List<Double> scores) {
    List<Prediction> predictions = new ArrayList<>();
    Samples samples = set.samples();
    for (int i = 0; i < samples.queryIds().size(); i++) {
      if (side.test(samples.queryIds().get(i))) {
        predictions.add(new Prediction(
            samples.queryIds().get(i), samples.referenceIds().get(i), scores.get(i)));
      }
    }
    Map<String, String> truth = new HashMap<>();
    set.truth().forEach((query, reference) -> {
      if (side.test(query)) {
        truth.put(query, reference);
      }
    });
    Set<String> distractors = new LinkedHashSet<>();
    set.families().keySet().stream()
        .filter(q -> !set.truth().containsKey(q) && side.test(q))
        .forEach(distractors::add);
    return IscMetrics.of(truth, distractors, predictions);
  }

  private static List<Double> rescored(EvalSet set, FusedScorer scorer) {
    return set.samples().features().stream().map(vector -> scorer.score(vector)).toList();
  }

  private static EvalSet read(Path candidates, Path truth, Path transforms) {
    Samples samples = CalibrationFitter.read(candidates);
    List<Double> recorded =
        readPredictions(candidates).stream().map(Prediction::score).toList();
    return new EvalSet(
        Objects.requireNonNull(candidates.getFileName(), "the candidates file").toString(),
        samples,
        recorded,
        table(truth, "query_id", "reference_id"),
        table(transforms, "query_id", "family"));
  }

  /** The {@code key} to {@code value} columns of a CSV with a header (the evaluation set's files; no quoted commas). */
  static Map<String, String> table(Path csv, String key, String value) {
    List<String> lines = lines(csv);
    List<String> header = Arrays.asList(lines.getFirst().split(",", -1));
    int k = header.indexOf(key);
    int v = header.indexOf(value);
    if (k < 0 || v < 0) {
      throw new UsageException(
          csv + ": needs columns " + key + " and " + value + ", has " + header);
    }
    Map<String, String> table = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      if (!line.isBlank()) {
        String[] cells = line.split(",", -1);
        table.put(cells[k].strip(), cells[v].strip());
      }
    }
    return table;
  }

  static List<Prediction> readPredictions(Path csv) {
    List<String> lines = lines(csv);
    List<String> header = Arrays.asList(lines.getFirst().split(",", -1));
    int q = header.indexOf("query_id");
    int r = header.indexOf("reference_id");
    int s = header.indexOf("score");
    if (q < 0 || r < 0 || s < 0) {
      throw new UsageException(
          csv + ": needs columns query_id, reference_id and score, has " + header);
    }
    List<Prediction> predictions = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      if (!line.isBlank()) {
        String[] cells = line.split(",", -1);
        predictions.add(new Prediction(
            cells[q].strip(), cells[r].strip(), Double.parseDouble(cells[s].strip())));
      }
    }
    return predictions;
  }

  private static void writeHeldOut(
      Path dir,
      Map<String, String> truth,
      Map<String, String> families,
      Set<String> distractors,
      List<Prediction> predictions) {
    try {
      Files.createDirectories(dir);
      List<String> gt = new ArrayList<>(List.of("query_id,reference_id"));
      truth.forEach((query, reference) -> gt.add(query + "," + reference));
      Files.write(dir.resolve("ground_truth.csv"), gt);
      List<String> tr = new ArrayList<>(List.of("query_id,family,params"));
      families.forEach((query, family) -> {
        if (truth.containsKey(query) || distractors.contains(query)) {
          tr.add(query + "," + family + ",");
        }
      });
      Files.write(dir.resolve("transforms.csv"), tr);
      List<String> pred = new ArrayList<>(List.of("query_id,reference_id,score"));
      predictions.forEach(p -> pred.add(
          String.format(Locale.ROOT, "%s,%s,%.6f", p.queryId(), p.referenceId(), p.score())));
      Files.write(dir.resolve("predictions.csv"), pred);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir, e);
    }
  }

  private static List<String> lines(Path csv) {
    try {
      List<String> lines = Files.readAllLines(csv);
      if (lines.isEmpty()) {
        throw new UsageException(csv + " is empty: a header row is required");
      }
      return lines;
    } catch (IOException e) {
      throw new UsageException("cannot read " + csv + ": " + e.getMessage());
    }
  }

  private static List<Path> paths(String list) {
    return Arrays.stream(list.split(","))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .map(Path::of)
        .toList();
  }
}
