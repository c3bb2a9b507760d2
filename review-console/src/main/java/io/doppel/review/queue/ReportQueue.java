package io.doppel.review.queue;

import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.ReviewDecision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What the console knows, in memory: the newest reports (bounded; the oldest fall out), where
 * each image seen on the decision topics lives (bounded, least recently seen fall out), and the
 * reviewers' decisions per reported image. Thread-safe: one consumer writes, HTTP threads read.
 */
public final class ReportQueue {

  /** Newest decision first; among equal times, the later arrival first. */
  private static final Comparator<Report> NEWEST_FIRST = Comparator.comparing(
          (Report r) -> r.event().getDecidedAt())
      .reversed()
      .thenComparing(Comparator.comparingLong(Report::sequence).reversed());

  private final int maxReports;
  private final TreeSet<Report> ordered = new TreeSet<>(NEWEST_FIRST);
  private final Map<String, Report> byId = new HashMap<>();
  private final Map<ImageKey, String> sources;
  private final Map<ImageKey, List<ReviewDecision>> decisions = new HashMap<>();
  private long sequence;

  public ReportQueue(int maxReports, int maxSources) {
    if (maxReports < 1 || maxSources < 1) {
      throw new IllegalArgumentException(
          "maxReports and maxSources must be positive, got " + maxReports + ", " + maxSources);
    }
    this.maxReports = maxReports;
    this.sources = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<ImageKey, String> eldest) {
        return super.size() > maxSources;
      }
    };
  }

  /**
   * Takes in an event from duplicates, violations or outcomes: remembers where its image lives and,
   * when it is a report, queues it under {@code id}. A replayed id is ignored.
   */
  public synchronized void accept(String id, MatchEvent event) {
    if (event.getSource() != null) {
      sources.put(new ImageKey(event.getTenant(), event.getImageId()), event.getSource());
    }
    if (!isReport(event.getDecision()) || byId.containsKey(id)) {
      return;
    }
    Report report = new Report(id, sequence++, event);
    ordered.add(report);
    byId.put(id, report);
    while (ordered.size() > maxReports) {
      byId.remove(ordered.pollLast().id());
    }
  }

  public synchronized void accept(ReviewDecision decision) {
    decisions
        .computeIfAbsent(
            new ImageKey(decision.getTenant(), decision.getImageId()), k -> new ArrayList<>())
        .add(decision);
  }

  /** Reports {@code filter} accepts, newest first, at most {@code limit}. */
  public synchronized List<Report> list(ReportFilter filter, int limit) {
    List<Report> out = new ArrayList<>();
    for (Report report : ordered) {
      if (out.size() == limit) {
        break;
      }
      if (filter.accepts(report, !decisionsOn(report).isEmpty())) {
        out.add(report);
      }
    }
    return out;
  }

  public synchronized Optional<Report> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** Where the image {@code (tenant, imageId)} lives, if an event about it has been seen. */
  public synchronized Optional<String> sourceOf(String tenant, String imageId) {
    return Optional.ofNullable(sources.get(new ImageKey(tenant, imageId)));
  }

  /** Reviewers' decisions on the reported image of {@code report}, oldest first. */
  public synchronized List<ReviewDecision> decisionsOn(Report report) {
    return List.copyOf(decisions.getOrDefault(
        new ImageKey(report.event().getTenant(), report.event().getImageId()), List.of()));
  }

  public synchronized int size() {
    return ordered.size();
  }

  private static boolean isReport(Decision decision) {
    return decision == Decision.DUPLICATE || decision == Decision.COPYRIGHT_VIOLATION;
  }
}
