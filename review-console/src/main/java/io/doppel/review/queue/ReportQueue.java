package io.doppel.review.queue;

import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.ImageKey;
import io.doppel.schemas.avro.MatchEvent;
import io.doppel.schemas.avro.ReviewAction;
import io.doppel.schemas.avro.ReviewDecision;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What the console knows, in memory: the newest reports (bounded; the oldest fall out), where
 * each image seen on the decision topics lives and the digest of the bytes analysed there
 * (bounded, least recently seen fall out), the reviewers' decisions per reported image, and the
 * latest allow-list decision per uploader. Thread-safe: one consumer writes, HTTP threads read.
 */
public final class ReportQueue {

  /**
   * Where an image lives and the SHA-256 of the bytes the extractor analysed there.
   *
   * @param sha256 lower-case hex; null where the event carried none (extractors older than the field)
   */
  public record ImageSource(String location, String sha256) {}

  private record UploaderKey(String tenant, String uploader) {}

  /** Newest decision first; among equal times, the later arrival first. */
  private static final Comparator<Report> NEWEST_FIRST = Comparator.comparing(
          (Report r) -> r.event().getDecidedAt())
      .reversed()
      .thenComparing(Comparator.comparingLong(Report::sequence).reversed());

  private final int maxReports;
  private final TreeSet<Report> ordered = new TreeSet<>(NEWEST_FIRST);
  private final Map<String, Report> byId = new HashMap<>();
  private final Map<ImageKey, ImageSource> sources;
  private final Map<ImageKey, List<ReviewDecision>> decisions = new HashMap<>();
  private final Map<UploaderKey, ReviewDecision> uploaderDecisions = new HashMap<>();
  private long sequence;

  public ReportQueue(int maxReports, int maxSources) {
    if (maxReports < 1 || maxSources < 1) {
      throw new IllegalArgumentException(
          "maxReports and maxSources must be positive, got " + maxReports + ", " + maxSources);
    }
    this.maxReports = maxReports;
    this.sources = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<ImageKey, ImageSource> eldest) {
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
      sources.put(
          new ImageKey(event.getTenant(), event.getImageId()),
          new ImageSource(event.getSource(), event.getContentSha256()));
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

  /**
   * Takes in a decision, from this console or read back from review-feedback; one already taken in
   * (same decision id) is ignored.
   */
  public synchronized void accept(ReviewDecision decision) {
    List<ReviewDecision> onImage = decisions.computeIfAbsent(
        new ImageKey(decision.getTenant(), decision.getImageId()), k -> new ArrayList<>());
    if (onImage.stream().anyMatch(d -> d.getDecisionId().equals(decision.getDecisionId()))) {
      return;
    }
    onImage.add(decision);
    if (isUploaderAction(decision.getAction()) && decision.getUploader() != null) {
      // As the matcher's suppression table: the latest of allow and revoke wins.
      uploaderDecisions.merge(
          new UploaderKey(decision.getTenant(), decision.getUploader()),
          decision,
          (old, now) -> now.getDecidedAt().isBefore(old.getDecidedAt()) ? old : now);
    }
  }

  /** Reports {@code filter} accepts, newest first, at most {@code limit}. */
  public synchronized List<Report> list(ReportFilter filter, int limit) {
    return list(filter, tenant -> true, limit);
  }

  /**
   * Reports of the tenants {@code visible} accepts that {@code filter} accepts, newest first, at
   * most {@code limit}.
   */
  public synchronized List<Report> list(ReportFilter filter, Predicate<String> visible, int limit) {
    List<Report> out = new ArrayList<>();
    for (Report report : ordered) {
      if (out.size() == limit) {
        break;
      }
      if (visible.test(report.event().getTenant())
          && filter.accepts(report, !decisionsOn(report).isEmpty())) {
        out.add(report);
      }
    }
    return out;
  }

  /** How many reports of the tenants {@code visible} accepts are queued. */
  public synchronized int count(Predicate<String> visible) {
    return (int)
        ordered.stream().filter(r -> visible.test(r.event().getTenant())).count();
  }

  /** The latest ALLOW_UPLOADER or REVOKE_UPLOADER on {@code uploader} in {@code tenant}, if any. */
  public synchronized Optional<ReviewDecision> uploaderDecision(String tenant, String uploader) {
    return Optional.ofNullable(uploaderDecisions.get(new UploaderKey(tenant, uploader)));
  }

  /** Whether {@code uploader} is allow-listed in {@code tenant} as far as this console has read. */
  public boolean uploaderAllowed(String tenant, String uploader) {
    return uploader != null
        && uploaderDecision(tenant, uploader)
            .map(d -> d.getAction() == ReviewAction.ALLOW_UPLOADER)
            .orElse(false);
  }

  public synchronized Optional<Report> get(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** Where the image {@code (tenant, imageId)} lives, if an event about it has been seen. */
  public synchronized Optional<ImageSource> sourceOf(String tenant, String imageId) {
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

  private static boolean isUploaderAction(ReviewAction action) {
    return action == ReviewAction.ALLOW_UPLOADER || action == ReviewAction.REVOKE_UPLOADER;
  }

  private static boolean isReport(Decision decision) {
    return decision == Decision.DUPLICATE || decision == Decision.COPYRIGHT_VIOLATION;
  }
}
