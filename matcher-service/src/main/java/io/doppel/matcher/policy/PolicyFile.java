package io.doppel.matcher.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The YAML shape of a policy file, as written; {@link Policy} validates and resolves it.
 *
 * @param version recorded in every MatchEvent as policyVersion
 * @param referenceSets the catalogue of reference sets that {@code "*"} subscribes to
 * @param defaults settings of every tenant, unless the tenant overrides them
 * @param tenants per-tenant overrides, by tenant id
 */
record PolicyFile(
    String version, List<String> referenceSets, Settings defaults, Map<String, Settings> tenants) {

  /**
   * One tenant's settings; null fields inherit from defaults.
   *
   * @param referenceSets {@code "*"} or a list of set names
   * @param retroScanLookback ISO-8601 duration, e.g. {@code P30D}
   * @param registers the reference sets this tenant owns or has been granted: the only sets it may register works into
   */
  record Settings(
      Double duplicateThreshold,
      Double violationThreshold,
      JsonNode referenceSets,
      Allow allow,
      String retroScanLookback,
      List<String> registers) {}

  /** Allow-lists; null fields inherit from defaults. */
  record Allow(List<String> imageIds, List<String> rightsHolders, List<String> uploaders) {}
}
