package dev.ember.functions.core.tenancy;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.PriorityClass;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The platform's tenants, their plans and their API keys, read from a YAML file:
 *
 * <pre>
 * plans:
 *   free:       {rate_per_second: 5,    burst: 10,   max_priority: batch}
 *   pro:        {rate_per_second: 100,  burst: 200,  max_priority: realtime}
 * tenants:
 *   acme:
 *     plan: pro
 *     keys: ["sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
 *     models: [mlp-tiny, ppocr-det]      # optional; absent = all models
 * </pre>
 *
 * Keys are stored only as {@link #hashKey hashes}, so the file (and any copy of it) never holds a
 * usable credential. Anything doubtful is an error naming the key path: unknown keys, unknown plans,
 * malformed hashes, a key shared by two tenants, so a typo never silently locks a customer out or
 * lets one in as someone else.
 */
public final class TenantDirectory {
    /** No plans, no tenants: authentication is off (see {@link Authenticator#forDirectory}). */
    public static final TenantDirectory EMPTY = new TenantDirectory(Map.of(), Map.of(), Map.of());

    private static final String HASH_PREFIX = "sha256:";
    private static final Pattern HASH = Pattern.compile("sha256:[0-9a-fA-F]{64}");
    // Tenant ids go into Redis keys and metric tags: keep them plain.
    private static final Pattern TENANT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    // A tenant or plan listed twice is an error, not "the last one wins". (new YAMLFactory(), not
    // YAMLFactory.builder(): the builder's factory reads "acme:" with no value as "", not null.)
    private static final ObjectMapper YAML = new ObjectMapper(
                    new YAMLFactory().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION))
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    private final Map<String, Plan> plans;
    private final Map<String, Tenant> tenants;
    private final Map<String, Tenant> byKeyHash;

    private TenantDirectory(Map<String, Plan> plans, Map<String, Tenant> tenants, Map<String, Tenant> byKeyHash) {
        this.plans = Collections.unmodifiableMap(plans);
        this.tenants = Collections.unmodifiableMap(tenants);
        this.byKeyHash = Map.copyOf(byKeyHash);
    }

    /** The directory in {@code file}; a missing or unusable file fails, naming the file. */
    public static TenantDirectory read(Path file) {
        String yaml;
        try {
            yaml = Files.readString(file);
        } catch (IOException e) {
            throw new TenantDirectoryException(file + ": cannot read tenants file: " + e, e);
        }
        try {
            return parse(yaml);
        } catch (TenantDirectoryException e) {
            throw new TenantDirectoryException(file + ": " + e.getMessage(), e.getCause());
        }
    }

    /** The directory in {@code yaml}; an empty document is {@link #EMPTY}. */
    public static TenantDirectory parse(String yaml) {
        Raw raw;
        try {
            JsonNode tree = YAML.readTree(yaml);
            raw = tree == null || tree.isMissingNode() || tree.isNull() ? null : YAML.treeToValue(tree, Raw.class);
        } catch (UnrecognizedPropertyException e) {
            throw new TenantDirectoryException("unknown key '" + keyPath(e) + "'; expected one of " + knownKeys(e), e);
        } catch (JsonMappingException e) {
            String key = keyPath(e);
            throw new TenantDirectoryException((key.isEmpty() ? "" : key + ": ") + e.getOriginalMessage(), e);
        } catch (JacksonException e) {
            // Not YAML, or a key twice: say where.
            String line =
                    e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ": ";
            throw new TenantDirectoryException(line + e.getOriginalMessage(), e);
        }
        return raw == null ? EMPTY : raw.toDirectory();
    }

    /**
     * The stored form of an API key: {@code sha256:} and the lowercase hex SHA-256 of its UTF-8
     * bytes; the same as {@code printf %s "$KEY" | sha256sum}. The one place keys are hashed.
     */
    public static String hashKey(String clearKey) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return HASH_PREFIX + HexFormat.of().formatHex(sha256.digest(clearKey.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** The tenant whose key this is, if any. */
    public Optional<Tenant> tenantForKey(String clearKey) {
        return Optional.ofNullable(byKeyHash.get(hashKey(clearKey)));
    }

    /** Plans by name, in file order. */
    public Map<String, Plan> plans() {
        return plans;
    }

    /** Tenants by id, in file order. */
    public Map<String, Tenant> tenants() {
        return tenants;
    }

    /** No tenants at all: nobody to authenticate, so authentication is off. */
    public boolean isEmpty() {
        return tenants.isEmpty();
    }

    record Raw(Map<String, RawPlan> plans, Map<String, RawTenant> tenants) {
        TenantDirectory toDirectory() {
            Map<String, Plan> planByName = new LinkedHashMap<>();
            if (plans != null) {
                plans.forEach((name, p) -> planByName.put(name, RawPlan.toPlan(name, p)));
            }
            Map<String, Tenant> tenantById = new LinkedHashMap<>();
            Map<String, Tenant> byKeyHash = new HashMap<>();
            Map<String, String> keyOwner = new HashMap<>(); // hash → "tenants.<id>.keys[i]", for the error
            if (tenants != null) {
                tenants.forEach((id, t) -> {
                    String where = "tenants." + id;
                    if (!TENANT_ID.matcher(id).matches()) {
                        throw new TenantDirectoryException(
                                where
                                        + ": a tenant id is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
                    }
                    if (t == null || t.plan() == null) {
                        throw new TenantDirectoryException(where + ": plan is required");
                    }
                    Plan plan = planByName.get(t.plan());
                    if (plan == null) {
                        throw new TenantDirectoryException(where + ".plan: unknown plan '" + t.plan() + "'; plans are "
                                + (planByName.isEmpty() ? "(none)" : String.join(", ", planByName.keySet())));
                    }
                    Tenant tenant = new Tenant(id, plan, models(where, t.models()));
                    tenantById.put(id, tenant);
                    List<String> keys = t.keys() == null ? List.of() : t.keys();
                    for (int i = 0; i < keys.size(); i++) {
                        String key = keys.get(i);
                        String at = where + ".keys[" + i + "]";
                        // Never echo the value: if it is not a hash it may be a key pasted in clear.
                        if (key == null || !HASH.matcher(key).matches()) {
                            throw new TenantDirectoryException(at + ": not a key hash; keys are stored hashed, as '"
                                    + HASH_PREFIX + "' and the 64 hex digits of the key's SHA-256"
                                    + " (printf %s \"$KEY\" | sha256sum)");
                        }
                        String hash = key.toLowerCase(Locale.ROOT);
                        String earlier = keyOwner.putIfAbsent(hash, at);
                        if (earlier != null) {
                            throw new TenantDirectoryException(
                                    at + ": the same key as " + earlier + "; a key must name exactly one tenant");
                        }
                        byKeyHash.put(hash, tenant);
                    }
                });
            }
            return new TenantDirectory(planByName, tenantById, byKeyHash);
        }

        private static Set<String> models(String where, List<String> models) {
            if (models == null) {
                return Set.of();
            }
            if (models.isEmpty()) {
                // Tenant reads an empty set as "all models": refuse the opposite reading of [].
                throw new TenantDirectoryException(
                        where + ".models: an empty list would allow no model; leave 'models' out to allow all");
            }
            for (int i = 0; i < models.size(); i++) {
                if (models.get(i) == null || models.get(i).isBlank()) {
                    throw new TenantDirectoryException(where + ".models[" + i + "]: a model name is required");
                }
            }
            return Set.copyOf(models);
        }
    }

    record RawPlan(Double ratePerSecond, Integer burst, String maxPriority) {
        static Plan toPlan(String name, RawPlan p) {
            String where = "plans." + name;
            if (p == null || p.ratePerSecond() == null || p.burst() == null || p.maxPriority() == null) {
                throw new TenantDirectoryException(where + ": rate_per_second, burst and max_priority are required");
            }
            PriorityClass maxPriority;
            try {
                maxPriority = PriorityClass.fromWire(p.maxPriority());
            } catch (InferenceException e) {
                throw new TenantDirectoryException(where + ".max_priority: " + e.getMessage());
            }
            try {
                return new Plan(name, p.ratePerSecond(), p.burst(), maxPriority);
            } catch (IllegalArgumentException e) {
                throw new TenantDirectoryException(e.getMessage());
            }
        }
    }

    record RawTenant(String plan, List<String> keys, List<String> models) {}

    /** Where in the file a mapping error is, as dotted keys: {@code tenants.acme.plan}. */
    private static String keyPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static String knownKeys(UnrecognizedPropertyException e) {
        return e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
    }
}
