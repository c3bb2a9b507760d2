package io.doppel.matcher.policy;

import java.time.Duration;
import java.util.Set;

/**
 * One tenant's resolved policy.
 *
 * @param referenceSets the reference sets whose works count as violations for this tenant
 * @param allowedImageIds images (the upload or the matched one) never reported
 * @param allowedRightsHolders rights holders whose works this tenant may show (licensed)
 * @param allowedUploaders uploaders whose uploads are never reported as violations (e.g. the rights holder's own agency)
 * @param retroScanLookback how far back a newly registered reference looks for earlier uploads
 * @param registers the reference sets this tenant owns or has been granted: a reference it sends into any other set is
 *     refused before it is indexed
 */
public record TenantPolicy(
    String tenant,
    double duplicateThreshold,
    double violationThreshold,
    Set<String> referenceSets,
    Set<String> allowedImageIds,
    Set<String> allowedRightsHolders,
    Set<String> allowedUploaders,
    Duration retroScanLookback,
    Set<String> registers) {

  public TenantPolicy {
    referenceSets = Set.copyOf(referenceSets);
    allowedImageIds = Set.copyOf(allowedImageIds);
    allowedRightsHolders = Set.copyOf(allowedRightsHolders);
    allowedUploaders = Set.copyOf(allowedUploaders);
    registers = Set.copyOf(registers);
  }
}
