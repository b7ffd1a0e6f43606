package dev.ember.load.profile;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.ember.load.profile.LoadProfile.Arrivals;
import dev.ember.load.profile.LoadProfile.Bounds;
import dev.ember.load.profile.LoadProfile.CapacityProbe;
import dev.ember.load.profile.LoadProfile.Deployment;
import dev.ember.load.profile.LoadProfile.Door;
import dev.ember.load.profile.LoadProfile.InputTensor;
import dev.ember.load.profile.LoadProfile.KeySpace;
import dev.ember.load.profile.LoadProfile.RateSegment;
import dev.ember.load.profile.LoadProfile.RequestClass;
import dev.ember.load.profile.LoadProfile.Targets;
import dev.ember.load.profile.LoadProfile.VipRatio;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.PriorityClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads a profile's YAML. Unknown keys are errors (a typo never silently becomes a default), and
 * every error names the field at fault as a path ({@code mix[1].keys.distinct}) and says what would
 * do. The format is documented in {@code load-profiles/profiles/README.md}.
 */
public final class ProfileReader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private ProfileReader() {}

    /** The profile in {@code file}, named after it. */
    public static LoadProfile read(Path file) {
        String name = file.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        try {
            return parse(name, Files.readString(file));
        } catch (IOException e) {
            throw new ProfileException(file + ": cannot read: " + e.getMessage(), e);
        } catch (ProfileException e) {
            throw new ProfileException(file + ": " + e.getMessage(), e);
        }
    }

    /** The profile {@code name} in {@code yaml}; anything wrong fails with a {@link ProfileException}. */
    public static LoadProfile parse(String name, String yaml) {
        RawProfile raw;
        try {
            JsonNode tree = YAML.readTree(yaml);
            if (tree == null || tree.isMissingNode() || tree.isNull()) {
                throw new ProfileException("rate", "the profile is empty: it needs at least rate and mix");
            }
            raw = YAML.treeToValue(tree, RawProfile.class);
        } catch (UnrecognizedPropertyException e) {
            String at = keyPath(e, true);
            throw new ProfileException(
                    at.isEmpty() ? e.getPropertyName() : at + "." + e.getPropertyName(),
                    "unknown key; expected one of " + knownKeys(e));
        } catch (JsonMappingException e) {
            throw new ProfileException(keyPath(e, false), e.getOriginalMessage());
        } catch (JacksonException e) {
            throw new ProfileException("yaml", e.getOriginalMessage());
        }
        return raw.toProfile(name);
    }

    record RawProfile(
            String description,
            Long seed,
            String arrivals,
            List<RawSegment> rate,
            List<RawClass> mix,
            RawProbe capacityProbe,
            RawBounds bounds,
            RawDeployment deployment,
            RawTargets targets,
            Boolean startAtRest) {
        LoadProfile toProfile(String name) {
            Arrivals process = arrivals == null ? Arrivals.POISSON : ProfileReader.arrivals(arrivals);
            List<RateSegment> segments = indexed("rate", require(rate, "rate"), (i, r) -> r.toSegment(i));
            List<RequestClass> classes = indexed("mix", require(mix, "mix"), (i, c) -> c.toClass(i));
            return new LoadProfile(
                    name,
                    description,
                    seed == null ? 1 : seed,
                    process,
                    segments,
                    classes,
                    Optional.ofNullable(capacityProbe).map(p -> within("capacity_probe", p::toProbe)),
                    bounds == null ? Bounds.DEFAULTS : within("bounds", bounds::toBounds),
                    deployment == null ? Deployment.NONE : deployment.toDeployment(),
                    targets == null ? Targets.NONE : within("targets", targets::toTargets),
                    Boolean.TRUE.equals(startAtRest));
        }
    }

    /** {@code rps} for a flat segment, {@code from_rps}/{@code to_rps} for a ramp, or the same as multiples of {@code capacity}. */
    record RawSegment(
            Double seconds,
            Double rps,
            Double fromRps,
            Double toRps,
            Double capacity,
            Double fromCapacity,
            Double toCapacity,
            String phase) {
        RateSegment toSegment(int index) {
            boolean absolute = rps != null || fromRps != null || toRps != null;
            boolean relative = capacity != null || fromCapacity != null || toCapacity != null;
            if (absolute == relative) {
                throw new ProfileException(
                        "rps",
                        "give the rate as rps (or from_rps and to_rps), or as capacity (or from_capacity and"
                                + " to_capacity): exactly one of them");
            }
            Double flat = absolute ? rps : capacity;
            Double from = absolute ? fromRps : fromCapacity;
            Double to = absolute ? toRps : toCapacity;
            String unit = absolute ? "rps" : "capacity";
            if (flat != null && (from != null || to != null)) {
                throw new ProfileException(
                        unit, "a segment is flat (" + unit + ") or a ramp (from_/to_" + unit + "), not both");
            }
            if (flat == null && (from == null || to == null)) {
                throw new ProfileException("from_" + unit, "a ramp needs both from_" + unit + " and to_" + unit);
            }
            return new RateSegment(
                    require(seconds, "seconds"),
                    flat != null ? flat : from,
                    flat != null ? flat : to,
                    relative,
                    phase == null ? "segment " + (index + 1) : phase);
        }
    }

    record RawClass(
            String name,
            Double weight,
            String door,
            String model,
            String priority,
            Long timeoutMs,
            List<RawInput> inputs,
            RawKeys keys) {
        RequestClass toClass(int index) {
            String p = priority == null ? null : ProfileReader.priority(priority);
            return new RequestClass(
                    require(name, "name"),
                    weight == null ? 1 : weight,
                    door == null ? Door.INFER : Door.fromWire(door),
                    require(model, "model"),
                    Optional.ofNullable(p),
                    Optional.ofNullable(timeoutMs),
                    indexed("inputs", require(inputs, "inputs"), (i, in) -> in.toTensor()),
                    keys == null ? KeySpace.UNIQUE : within("keys", keys::toKeys));
        }
    }

    record RawInput(String name, String datatype, List<Long> shape) {
        InputTensor toTensor() {
            return new InputTensor(require(name, "name"), require(datatype, "datatype"), require(shape, "shape"));
        }
    }

    record RawKeys(String distribution, Integer distinct, Double exponent) {
        KeySpace toKeys() {
            KeySpace.Distribution d;
            try {
                d = distribution == null
                        ? KeySpace.Distribution.UNIQUE
                        : KeySpace.Distribution.valueOf(distribution.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ProfileException(
                        "distribution", "must be unique, uniform or zipf; got '" + distribution + "'");
            }
            return new KeySpace(d, distinct == null ? 0 : distinct, exponent == null ? 0 : exponent);
        }
    }

    record RawProbe(
            Double seconds,
            Integer concurrency,
            @JsonProperty("class") String requestClass) {
        CapacityProbe toProbe() {
            return new CapacityProbe(
                    require(seconds, "seconds"), require(concurrency, "concurrency"), require(requestClass, "class"));
        }
    }

    record RawBounds(Long maxRequests, Integer maxInFlight, Long requestTimeoutMs, Double drainSeconds) {
        Bounds toBounds() {
            Bounds d = Bounds.DEFAULTS;
            return new Bounds(
                    maxRequests == null ? d.maxRequests() : maxRequests,
                    maxInFlight == null ? d.maxInFlight() : maxInFlight,
                    requestTimeoutMs == null ? d.requestTimeoutMs() : requestTimeoutMs,
                    drainSeconds == null ? d.drainSeconds() : drainSeconds);
        }
    }

    record RawDeployment(Map<String, Map<String, Object>> models, Map<String, String> environment) {
        Deployment toDeployment() {
            return new Deployment(models == null ? Map.of() : models, environment == null ? Map.of() : environment);
        }
    }

    record RawTargets(
            @JsonProperty("no_unexplained_5xx") Boolean noUnexplained5xx,
            Boolean shedWithRetryAfter,
            RawVip vipP99,
            Double maxCostVsAlwaysOn,
            Double maxColdWaitShare,
            Boolean zeroWorkersInGaps,
            Double maxFirstAfterGapVsColdStart,
            String zipfHitRatioClass) {
        Targets toTargets() {
            return new Targets(
                    Boolean.TRUE.equals(noUnexplained5xx),
                    Boolean.TRUE.equals(shedWithRetryAfter),
                    Optional.ofNullable(vipP99).map(v -> within("vip_p99", v::toRatio)),
                    Optional.ofNullable(maxCostVsAlwaysOn),
                    Optional.ofNullable(maxColdWaitShare),
                    Boolean.TRUE.equals(zeroWorkersInGaps),
                    Optional.ofNullable(maxFirstAfterGapVsColdStart),
                    Optional.ofNullable(zipfHitRatioClass));
        }
    }

    record RawVip(@JsonProperty("class") String requestClass, String loadedPhase, String unloadedPhase, Double max) {
        VipRatio toRatio() {
            return new VipRatio(
                    require(requestClass, "class"),
                    require(loadedPhase, "loaded_phase"),
                    require(unloadedPhase, "unloaded_phase"),
                    require(max, "max"));
        }
    }

    private static Arrivals arrivals(String value) {
        try {
            return Arrivals.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ProfileException("arrivals", "must be poisson or constant; got '" + value + "'");
        }
    }

    private static String priority(String value) {
        try {
            return PriorityClass.fromWire(value).wireName();
        } catch (InferenceException e) {
            throw new ProfileException("priority", e.getMessage());
        }
    }

    private static <T> T require(T value, String field) {
        if (value == null) {
            throw new ProfileException(field, "is required");
        }
        return value;
    }

    private static <R, T> List<T> indexed(String field, List<R> raw, IndexedConversion<R, T> convert) {
        List<T> out = new ArrayList<>(raw.size());
        for (int i = 0; i < raw.size(); i++) {
            int index = i;
            R item = raw.get(i);
            if (item == null) {
                throw new ProfileException(field + "[" + i + "]", "is empty");
            }
            out.add(within(field + "[" + i + "]", () -> convert.apply(index, item)));
        }
        return out;
    }

    /** Runs {@code conversion}, putting {@code parent} in front of the field of any error. */
    private static <T> T within(String parent, java.util.function.Supplier<T> conversion) {
        try {
            return conversion.get();
        } catch (ProfileException e) {
            throw e.within(parent);
        }
    }

    private interface IndexedConversion<R, T> {
        T apply(int index, R raw);
    }

    /** Where in the file a mapping error is, as dotted keys with indexes: {@code mix[1].weight}. */
    private static String keyPath(JsonMappingException e, boolean parentOnly) {
        List<JsonMappingException.Reference> path = e.getPath();
        if (parentOnly && !path.isEmpty()) {
            path = path.subList(0, path.size() - 1);
        }
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : path) {
            if (r.getFieldName() != null) {
                out.append(out.length() == 0 ? "" : ".").append(r.getFieldName());
            } else {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static String knownKeys(UnrecognizedPropertyException e) {
        return e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
    }
}
