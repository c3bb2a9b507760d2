package io.doppel.matcher.policy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.doppel.matcher.index.ImageRef;
import io.doppel.matcher.index.Scope;
import io.doppel.schemas.avro.Decision;
import io.doppel.schemas.avro.MatchKind;
import io.doppel.schemas.avro.Purpose;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Per-tenant matching policy, loaded from YAML and validated at start-up. Pure: every method is a
 * function of the file and its arguments.
 *
 * <p>Tenants not named in the file get the defaults. {@code referenceSets: "*"} means every set in
 * the file's {@code referenceSets} catalogue (the index searches named sets only). A tenant registers works only into
 * the sets its {@code registers} lists (those it owns or has been granted; none unless listed): the producer names a
 * reference's set, so without this any tenant could put works into another rights holder's set and have every
 * subscriber's uploads reported against them.
 */
public final class Policy {

  public static final String DEFAULT_RESOURCE = "/policy/doppel-policy.yaml";
  static final String ALL_REFERENCE_SETS = "*";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private final String version;
  private final TenantPolicy defaults;
  private final Map<String, TenantPolicy> tenants;

  private Policy(String version, TenantPolicy defaults, Map<String, TenantPolicy> tenants) {
    this.version = version;
    this.defaults = defaults;
    this.tenants = Map.copyOf(tenants);
  }

  public static Policy load(Path file) {
    try {
      return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new InvalidPolicyException(
          "cannot read policy file " + file + ": " + e.getMessage(), e);
    }
  }

  /** The example policy shipped with the matcher. */
  public static Policy bundled() {
    try (InputStream in = Policy.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new InvalidPolicyException(
            "bundled policy " + DEFAULT_RESOURCE + " is missing from the classpath");
      }
      return parse(
          new String(in.readAllBytes(), StandardCharsets.UTF_8), "classpath:" + DEFAULT_RESOURCE);
    } catch (IOException e) {
      throw new InvalidPolicyException("cannot read bundled policy: " + e.getMessage(), e);
    }
  }

  public static Policy parse(String yaml, String origin) {
    PolicyFile file;
    try {
      file = YAML.readValue(yaml, PolicyFile.class);
    } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
      throw new InvalidPolicyException(
          origin + ": " + e.getOriginalMessage() + " at " + e.getPathReference(), e);
    } catch (JacksonException e) {
      throw new InvalidPolicyException(
          origin + ": " + e.getOriginalMessage() + " at " + e.getLocation(), e);
    }
    if (file == null) {
      throw new InvalidPolicyException(origin + ": the policy file is empty");
    }
    return resolve(file, origin);
  }

  @SuppressFBWarnings(
      value = "NP_NULL_PARAM_DEREF",
      justification =
          "merge reads defaults only for settings left out, and the defaults' own are all required")
  private static Policy resolve(PolicyFile file, String origin) {
    require(file.version() != null && !file.version().isBlank(), origin, "'version' is required");
    require(file.defaults() != null, origin, "'defaults' is required");
    Set<String> catalogue = names(file.referenceSets(), origin, "referenceSets");
    PolicyFile.Settings d = file.defaults();
    require(d.duplicateThreshold() != null, origin, "defaults.duplicateThreshold is required");
    require(d.violationThreshold() != null, origin, "defaults.violationThreshold is required");
    require(
        d.referenceSets() != null, origin, "defaults.referenceSets is required (a list, or \"*\")");
    require(
        d.retroScanLookback() != null,
        origin,
        "defaults.retroScanLookback is required (ISO-8601, e.g. P30D)");
    PolicyFile.Allow noAllow = new PolicyFile.Allow(List.of(), List.of(), List.of());
    TenantPolicy defaults = merge("defaults", d, null, noAllow, catalogue, origin);
    Map<String, TenantPolicy> tenants = new TreeMap<>();
    if (file.tenants() != null) {
      for (var entry : file.tenants().entrySet()) {
        String tenant = entry.getKey();
        require(tenant != null && !tenant.isBlank(), origin, "tenant ids must not be blank");
        require(entry.getValue() != null, origin, "tenants." + tenant + " has no settings");
        PolicyFile.Allow inherited = d.allow() == null ? noAllow : d.allow();
        tenants.put(
            tenant, merge(tenant, entry.getValue(), defaults, inherited, catalogue, origin));
      }
    }
    return new Policy(file.version(), defaults, tenants);
  }

  private static TenantPolicy merge(
      String tenant,
      PolicyFile.Settings own,
      TenantPolicy defaults,
      PolicyFile.Allow inheritedAllow,
      Set<String> catalogue,
      String origin) {
    String where = tenant.equals("defaults") ? "defaults" : "tenants." + tenant;
    double duplicate =
        own.duplicateThreshold() != null ? own.duplicateThreshold() : defaults.duplicateThreshold();
    double violation =
        own.violationThreshold() != null ? own.violationThreshold() : defaults.violationThreshold();
    require(
        duplicate >= 0 && duplicate <= 1,
        origin,
        where + ".duplicateThreshold must be in [0,1], got " + duplicate);
    require(
        violation >= 0 && violation <= 1,
        origin,
        where + ".violationThreshold must be in [0,1], got " + violation);
    Set<String> sets = own.referenceSets() != null
        ? referenceSets(own.referenceSets(), catalogue, origin, where)
        : defaults.referenceSets();
    Duration lookback = own.retroScanLookback() != null
        ? duration(own.retroScanLookback(), origin, where)
        : defaults.retroScanLookback();
    PolicyFile.Allow allow = own.allow() == null ? inheritedAllow : own.allow();
    return new TenantPolicy(
        tenant,
        duplicate,
        violation,
        sets,
        names(
            allow.imageIds() != null ? allow.imageIds() : inheritedAllow.imageIds(),
            origin,
            where + ".allow.imageIds"),
        names(
            allow.rightsHolders() != null ? allow.rightsHolders() : inheritedAllow.rightsHolders(),
            origin,
            where + ".allow.rightsHolders"),
        names(
            allow.uploaders() != null ? allow.uploaders() : inheritedAllow.uploaders(),
            origin,
            where + ".allow.uploaders"),
        lookback,
        own.registers() != null
            ? names(own.registers(), origin, where + ".registers")
            : defaults == null ? Set.of() : defaults.registers());
  }

  private static Set<String> referenceSets(
      JsonNode node, Set<String> catalogue, String origin, String where) {
    if (node.isTextual() && ALL_REFERENCE_SETS.equals(node.asText())) {
      return catalogue;
    }
    require(
        node.isArray(),
        origin,
        where + ".referenceSets must be a list of set names or \"*\", got " + node);
    List<String> sets = new ArrayList<>();
    for (JsonNode element : node) {
      require(
          element.isTextual(),
          origin,
          where + ".referenceSets entries must be strings, got " + element);
      sets.add(element.asText());
    }
    return names(sets, origin, where + ".referenceSets");
  }

  private static Set<String> names(List<String> values, String origin, String where) {
    if (values == null) {
      return Set.of();
    }
    Set<String> names = new LinkedHashSet<>();
    for (String value : values) {
      require(value != null && !value.isBlank(), origin, where + " entries must not be blank");
      require(
          !ALL_REFERENCE_SETS.equals(value),
          origin,
          where + ": \"*\" is only allowed as the whole value of referenceSets");
      names.add(value);
    }
    return names;
  }

  private static Duration duration(String text, String origin, String where) {
    try {
      Duration lookback = Duration.parse(text);
      require(
          !lookback.isNegative(),
          origin,
          where + ".retroScanLookback must not be negative, got " + text);
      return lookback;
    } catch (DateTimeParseException e) {
      throw new InvalidPolicyException(
          origin + ": " + where
              + ".retroScanLookback must be an ISO-8601 duration such as P30D, got '" + text + "'",
          e);
    }
  }

  private static void require(boolean condition, String origin, String message) {
    if (!condition) {
      throw new InvalidPolicyException(origin + ": " + message);
    }
  }

  public String version() {
    return version;
  }

  public TenantPolicy forTenant(String tenant) {
    TenantPolicy policy = tenants.get(tenant);
    if (policy != null) {
      return policy;
    }
    return new TenantPolicy(
        tenant,
        defaults.duplicateThreshold(),
        defaults.violationThreshold(),
        defaults.referenceSets(),
        defaults.allowedImageIds(),
        defaults.allowedRightsHolders(),
        defaults.allowedUploaders(),
        defaults.retroScanLookback(),
        defaults.registers());
  }

  /**
   * Whether {@code tenant} may register works into {@code referenceSet}: only when its {@code registers} lists the set.
   * Guarded by {@code DualRetrievalMatcherTest.aReferenceIntoASetTheTenantWasNotGrantedIsRefusedBeforeItIsIndexed}.
   */
  public boolean mayRegister(String tenant, String referenceSet) {
    return forTenant(tenant).registers().contains(referenceSet);
  }

  /** What an upload of {@code tenant} may match: the tenant's own uploads and its subscribed reference sets, never itself. */
  public Scope scopeFor(String tenant, ImageRef self) {
    return new Scope(Set.of(tenant), forTenant(tenant).referenceSets(), Scope.ALL_TIME, self);
  }

  /**
   * Tenants named in the policy file that subscribe to {@code referenceSet}, sorted: whose earlier
   * uploads a newly registered reference of that set is checked against. Tenants that exist only
   * through the defaults cannot be enumerated here and are not retro-scanned.
   */
  public List<String> subscribersOf(String referenceSet) {
    Set<String> subscribers = new TreeSet<>();
    tenants.forEach((tenant, policy) -> {
      if (policy.referenceSets().contains(referenceSet)) {
        subscribers.add(tenant);
      }
    });
    return List.copyOf(subscribers);
  }

  /**
   * Decides one upload. A candidate is a DUPLICATE when it is an upload of the same tenant scoring
   * at least the duplicate threshold, a COPYRIGHT_VIOLATION when it is a work of a subscribed
   * reference set scoring at least the violation threshold, else BELOW_THRESHOLD; allow-listed
   * images, rights holders and uploaders are never reported.
   *
   * <p>An upload gets exactly one event, whose decision is the most serious kind among its matches
   * (violation over duplicate over clean): the event is keyed by the upload, so one terminal
   * outcome per upload keeps consumers simple and replays idempotent, and the event still lists
   * every match with its own kind, so a violation event also shows the duplicates.
   */
  public PolicyDecision decide(Query query, List<ScoredCandidate> candidates) {
    TenantPolicy policy = forTenant(query.tenant());
    boolean queryAllowed = policy.allowedImageIds().contains(query.imageId());
    boolean uploaderAllowed =
        query.uploader() != null && policy.allowedUploaders().contains(query.uploader());
    List<MatchKind> kinds = new ArrayList<>(candidates.size());
    Decision decision = Decision.CLEAN;
    for (ScoredCandidate candidate : candidates) {
      MatchKind kind = MatchKind.BELOW_THRESHOLD;
      boolean allowed =
          queryAllowed || policy.allowedImageIds().contains(candidate.ref().imageId());
      if (!allowed
          && candidate.purpose() == Purpose.UPLOAD
          && candidate.ref().tenant().equals(query.tenant())
          && candidate.score() >= policy.duplicateThreshold()) {
        kind = MatchKind.DUPLICATE;
      } else if (!allowed
          && !uploaderAllowed
          && candidate.purpose() == Purpose.REFERENCE
          && candidate.referenceSet() != null
          && policy.referenceSets().contains(candidate.referenceSet())
          && (candidate.rightsHolder() == null
              || !policy.allowedRightsHolders().contains(candidate.rightsHolder()))
          && candidate.score() >= policy.violationThreshold()) {
        kind = MatchKind.COPYRIGHT_VIOLATION;
      }
      kinds.add(kind);
      if (kind == MatchKind.COPYRIGHT_VIOLATION) {
        decision = Decision.COPYRIGHT_VIOLATION;
      } else if (kind == MatchKind.DUPLICATE && decision == Decision.CLEAN) {
        decision = Decision.DUPLICATE;
      }
    }
    return new PolicyDecision(decision, kinds);
  }
}
