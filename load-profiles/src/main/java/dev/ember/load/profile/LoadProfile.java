package dev.ember.load.profile;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One load profile, as read from {@code load-profiles/profiles/<name>.yaml} (the format is in
 * {@code load-profiles/profiles/README.md}): how requests arrive, at what rate over time, what they
 * are, how long it may run, where Ember is configured for it, and which targets it checks.
 *
 * @param name the file's name without {@code .yaml}
 * @param description one sentence for the report
 * @param seed the random seed: the same seed, the same arrival times, classes and keys
 * @param arrivals Poisson (exponential gaps) or constant (evenly spaced) arrivals
 * @param rate the rate over time, segment after segment
 * @param mix the request classes and their shares of the arrivals
 * @param capacityProbe how capacity is measured first, for segments given as a multiple of it
 * @param bounds limits that stop the run by themselves
 * @param deployment settings for the Ember the runner starts itself
 * @param targets the checks this profile's report prints as pass/fail lines
 * @param startAtRest the runner waits for the pool to scale to zero after its warm-up request
 *     before the schedule starts (a day that begins at night)
 */
public record LoadProfile(
        String name,
        String description,
        long seed,
        Arrivals arrivals,
        List<RateSegment> rate,
        List<RequestClass> mix,
        Optional<CapacityProbe> capacityProbe,
        Bounds bounds,
        Deployment deployment,
        Targets targets,
        boolean startAtRest) {

    public LoadProfile {
        Objects.requireNonNull(name, "name");
        description = description == null ? "" : description;
        Objects.requireNonNull(arrivals, "arrivals");
        rate = List.copyOf(rate);
        mix = List.copyOf(mix);
        Objects.requireNonNull(capacityProbe, "capacityProbe");
        Objects.requireNonNull(bounds, "bounds");
        Objects.requireNonNull(deployment, "deployment");
        Objects.requireNonNull(targets, "targets");
        if (rate.isEmpty()) {
            throw new ProfileException("rate", "needs at least one segment");
        }
        if (mix.isEmpty()) {
            throw new ProfileException("mix", "needs at least one request class");
        }
        if (rate.stream().anyMatch(RateSegment::relative) && capacityProbe.isEmpty()) {
            throw new ProfileException(
                    "capacity_probe", "is required: a rate segment is given as a multiple of 'capacity'");
        }
        if (capacityProbe.isPresent()
                && mix.stream()
                        .noneMatch(c -> c.name().equals(capacityProbe.get().requestClass()))) {
            throw new ProfileException(
                    "capacity_probe.class", "'" + capacityProbe.get().requestClass() + "' is not a class of the mix");
        }
        long distinctNames = mix.stream().map(RequestClass::name).distinct().count();
        if (distinctNames != mix.size()) {
            throw new ProfileException("mix", "class names must be unique");
        }
    }

    /** The run's planned length: the sum of its segments. */
    public double seconds() {
        return rate.stream().mapToDouble(RateSegment::seconds).sum();
    }

    /** The models the mix sends to, in order of first use. */
    public List<String> models() {
        return mix.stream().map(RequestClass::model).distinct().toList();
    }

    public RequestClass requestClass(String name) {
        return mix.stream()
                .filter(c -> c.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new ProfileException("mix", "no class '" + name + "'"));
    }

    public enum Arrivals {
        POISSON,
        CONSTANT
    }

    /**
     * A stretch of the run: the rate goes linearly from {@code fromRps} to {@code toRps} over
     * {@code seconds} (equal for a flat segment, zero for a gap). With {@code relative}, both are
     * multiples of the measured capacity rather than requests per second.
     */
    public record RateSegment(double seconds, double fromRps, double toRps, boolean relative, String phase) {
        public RateSegment {
            if (!(seconds > 0)) {
                throw new ProfileException("seconds", "must be > 0, got " + seconds);
            }
            if (!(fromRps >= 0) || !(toRps >= 0)) {
                throw new ProfileException("rps", "must be ≥ 0");
            }
            Objects.requireNonNull(phase, "phase");
        }

        public boolean idle() {
            return fromRps == 0 && toRps == 0;
        }

        /** The segment in requests per second, given the measured capacity. */
        public RateSegment absolute(double capacityRps) {
            return relative ? new RateSegment(seconds, fromRps * capacityRps, toRps * capacityRps, false, phase) : this;
        }
    }

    /**
     * One kind of request.
     *
     * @param name the class's label in the report (often its priority)
     * @param weight its share of the arrivals, relative to the other classes' weights
     * @param door how it reaches Ember
     * @param model the model it names
     * @param priority Ember's priority class for it (absent: the model's default)
     * @param timeoutMs Ember's deadline for it (absent: the class's default)
     * @param inputs its tensors, filled with a pattern that encodes the request's key
     * @param keys which inputs repeat, and how often: what the cache can do for this class
     */
    public record RequestClass(
            String name,
            double weight,
            Door door,
            String model,
            Optional<String> priority,
            Optional<Long> timeoutMs,
            List<InputTensor> inputs,
            KeySpace keys) {
        public RequestClass {
            Objects.requireNonNull(name, "name");
            if (!(weight > 0)) {
                throw new ProfileException("weight", "must be > 0, got " + weight);
            }
            Objects.requireNonNull(door, "door");
            Objects.requireNonNull(model, "model");
            inputs = List.copyOf(inputs);
            if (inputs.isEmpty()) {
                throw new ProfileException("inputs", "needs at least one tensor");
            }
            Objects.requireNonNull(keys, "keys");
        }
    }

    /** How a request reaches Ember. */
    public enum Door {
        /** {@code POST /infer} on the functions: a JSON v2 request plus {@code "model"}. */
        INFER("infer"),
        /** {@code POST /v2/models/{model}/infer}, JSON (a worker, or the functions' v2 routes). */
        V2("v2"),
        /** {@code POST /v2/models/{model}/infer} with the binary tensor extension. */
        V2_BINARY("v2-binary"),
        /**
         * {@code POST /v2/models/{model}/infer} with {@code Prefer: respond-async}, JSON: a job. Its
         * outcome and latency are the job's, from its due time to its result read at {@code GET
         * /jobs/{id}}.
         */
        V2_ASYNC("v2-async");

        private final String wire;

        Door(String wire) {
            this.wire = wire;
        }

        public String wireName() {
            return wire;
        }

        public static Door fromWire(String value) {
            for (Door d : values()) {
                if (d.wire.equals(value)) {
                    return d;
                }
            }
            throw new ProfileException("door", "must be one of infer, v2, v2-binary, v2-async; got '" + value + "'");
        }
    }

    /** A tensor of the request: its values are a fixed pattern, with the key written into the first ones. */
    public record InputTensor(String name, String datatype, List<Long> shape) {
        public InputTensor {
            Objects.requireNonNull(name, "name");
            if (!List.of("FP32", "FP64", "INT32", "INT64", "BOOL").contains(datatype)) {
                throw new ProfileException(
                        "datatype", "must be FP32, FP64, INT32, INT64 or BOOL; got '" + datatype + "'");
            }
            shape = List.copyOf(shape);
            if (shape.stream().anyMatch(d -> d < 0)) {
                throw new ProfileException("shape", "dimensions must be ≥ 0, got " + shape);
            }
        }

        public long elements() {
            return shape.stream().mapToLong(Long::longValue).reduce(1, Math::multiplyExact);
        }
    }

    /**
     * Which input each request carries: {@code unique} (never the same twice: every request is a
     * cache miss), {@code uniform} over {@code distinct} keys, or {@code zipf} over {@code distinct}
     * keys with the given exponent (key k has weight 1/k^s: a few hot keys, a long tail).
     */
    public record KeySpace(Distribution distribution, int distinct, double exponent) {
        public static final KeySpace UNIQUE = new KeySpace(Distribution.UNIQUE, 0, 0);

        public KeySpace {
            Objects.requireNonNull(distribution, "distribution");
            if (distribution != Distribution.UNIQUE && distinct < 1) {
                throw new ProfileException("distinct", "must be ≥ 1 for " + distribution.wire());
            }
            if (distribution == Distribution.ZIPF && !(exponent > 0)) {
                throw new ProfileException("exponent", "must be > 0 for zipf, got " + exponent);
            }
        }

        public enum Distribution {
            UNIQUE,
            UNIFORM,
            ZIPF;

            String wire() {
                return name().toLowerCase(java.util.Locale.ROOT);
            }
        }
    }

    /** A closed-loop measurement of what one class sustains, before the schedule starts. */
    public record CapacityProbe(double seconds, int concurrency, String requestClass) {
        public CapacityProbe {
            if (!(seconds > 0) || concurrency < 1) {
                throw new ProfileException("capacity_probe", "needs seconds > 0 and concurrency ≥ 1");
            }
            Objects.requireNonNull(requestClass, "requestClass");
        }
    }

    /**
     * What stops the run by itself: no more than {@code maxRequests} are scheduled, no more than
     * {@code maxInFlight} wait for an answer at once (an arrival beyond is counted as not sent, never
     * queued in the generator), an answer that takes longer than {@code requestTimeoutMs} counts as a
     * timeout, and the run ends {@code drainSeconds} after its last arrival whatever is still open.
     */
    public record Bounds(long maxRequests, int maxInFlight, long requestTimeoutMs, double drainSeconds) {
        public static final Bounds DEFAULTS = new Bounds(200_000, 2_000, 30_000, 30);

        public Bounds {
            if (maxRequests < 1 || maxInFlight < 1 || requestTimeoutMs < 1 || !(drainSeconds >= 0)) {
                throw new ProfileException(
                        "bounds", "max_requests, max_in_flight and request_timeout_ms must be ≥ 1, drain_seconds ≥ 0");
            }
        }
    }

    /**
     * Settings for an Ember the runner starts itself ({@code bin/ember up}): config.yaml keys merged
     * into each named model's own, and environment variables of the functions. A run against
     * {@code --target} cannot change them and says so in its report.
     */
    public record Deployment(Map<String, Map<String, Object>> models, Map<String, String> environment) {
        public static final Deployment NONE = new Deployment(Map.of(), Map.of());

        public Deployment {
            models = Map.copyOf(models);
            environment = Map.copyOf(environment);
        }

        public boolean isEmpty() {
            return models.isEmpty() && environment.isEmpty();
        }
    }

    /** The targets this profile checks; each one absent is not checked. */
    public record Targets(
            boolean noUnexplained5xx,
            boolean shedWithRetryAfter,
            Optional<VipRatio> vipP99,
            Optional<Double> maxCostVsAlwaysOn,
            Optional<Double> maxColdWaitShare,
            boolean zeroWorkersInGaps,
            Optional<Double> maxFirstAfterGapVsColdStart,
            Optional<String> zipfHitRatioClass) {
        public static final Targets NONE = new Targets(
                false,
                false,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                false,
                Optional.empty(),
                Optional.empty());
    }

    /** A class's p99 in a loaded phase, at most {@code max} times its p99 in an unloaded one. */
    public record VipRatio(String requestClass, String loadedPhase, String unloadedPhase, double max) {}
}
