package dev.ember.pool.api.config;

import dev.ember.pool.api.PriorityClass;
import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-model policy, read from {@code models/<name>/config.yaml} (see {@link ModelConfigReader}
 * for the file format). Validated on construction: an instance is always usable.
 *
 * @param maxBatchSize most rows in one batch; 0 runs every request on its own
 * @param maxQueueDelay longest the oldest request waits for a batch to fill
 * @param preferredBatchSizes sizes dispatched as soon as they can be formed, ascending
 * @param instances parallel runners sharing the model's session
 * @param allowSpinning let ONNX Runtime's idle pool threads spin; off by default because on cores
 *     shared with HTTP and batching a spinning pool starves them (measured: 10.0k vs 46.6k req/s
 *     for mlp-tiny on 2 cores)
 * @param defaultPriority the class of a request that names none
 * @param deterministic same input, same output; only deterministic models are cached
 * @param fallback a smaller model to answer with when this one is unavailable, if any
 * @param canaryPercent when a new version appears, the share of unversioned requests it takes
 *     until promoted (0: it takes all traffic as soon as it is warm)
 * @param scaling how a local pool sizes this model's workers
 * @param dimsMultipleOf per input, a divisor per dimension that the request's size there must be a
 *     multiple of (1: any size), for models that only accept, say, images whose sides are multiples
 *     of 32: such inputs get a 400 that says so instead of a failure deep inside the model
 * @param padBatches pad each batch with zero rows up to the smallest warmed batch size that holds
 *     it, so the model only ever sees shapes warmup ran (on a GPU each new shape costs cuDNN's
 *     algorithm search); the padding rows' outputs are dropped
 * @param cuda CUDA execution provider options (used only when the model runs on a GPU)
 */
public record ModelConfig(
        int maxBatchSize,
        Duration maxQueueDelay,
        List<Integer> preferredBatchSizes,
        int instances,
        Device device,
        boolean gpuRequired,
        int intraOpThreads,
        int interOpThreads,
        boolean allowSpinning,
        OptimizationLevel optimizationLevel,
        VersionPolicy versionPolicy,
        Map<PriorityClass, PriorityPolicy> priorities,
        PriorityClass defaultPriority,
        WarmupPolicy warmup,
        CachePolicy cache,
        boolean deterministic,
        String fallback,
        int canaryPercent,
        ScalingSettings scaling,
        Map<String, List<Long>> dimsMultipleOf,
        boolean padBatches,
        CudaOptions cuda) {

    public enum OptimizationLevel {
        DISABLE,
        BASIC,
        EXTENDED,
        ALL
    }

    /** Which versions under the model's folder are loaded: the highest only, or every one. */
    public enum VersionPolicy {
        LATEST,
        ALL
    }

    public static final Map<PriorityClass, PriorityPolicy> DEFAULT_PRIORITIES = defaultPriorities();

    public static final ModelConfig DEFAULTS = new ModelConfig(
            8,
            Duration.ofMillis(2),
            List.of(),
            1,
            Device.CPU,
            false,
            0,
            0,
            false,
            OptimizationLevel.ALL,
            VersionPolicy.LATEST,
            DEFAULT_PRIORITIES,
            PriorityClass.REALTIME,
            WarmupPolicy.DEFAULT,
            CachePolicy.DEFAULT,
            true,
            null,
            0,
            ScalingSettings.DEFAULT,
            Map.of(),
            false,
            CudaOptions.DEFAULTS);

    public ModelConfig {
        Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(optimizationLevel, "optimizationLevel");
        Objects.requireNonNull(versionPolicy, "versionPolicy");
        Objects.requireNonNull(defaultPriority, "defaultPriority");
        Objects.requireNonNull(warmup, "warmup");
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(scaling, "scaling");
        Objects.requireNonNull(cuda, "cuda");
        if (maxBatchSize < 0) {
            throw new IllegalArgumentException("max_batch_size must be ≥ 0 (0 disables batching), got " + maxBatchSize);
        }
        if (maxQueueDelay.isNegative() || maxQueueDelay.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException(
                    "max_queue_delay_ms must be between 0 and 10000, got " + maxQueueDelay.toMillis());
        }
        preferredBatchSizes = preferredBatchSizes.stream().sorted().distinct().toList();
        for (int size : preferredBatchSizes) {
            if (size < 1 || size > Math.max(1, maxBatchSize)) {
                throw new IllegalArgumentException(
                        "preferred_batch_sizes must lie in [1, max_batch_size=" + maxBatchSize + "], got " + size);
            }
        }
        if (instances < 1 || instances > 64) {
            throw new IllegalArgumentException("instances must be between 1 and 64, got " + instances);
        }
        if (canaryPercent < 0 || canaryPercent > 100) {
            throw new IllegalArgumentException("canary_percent must be between 0 and 100, got " + canaryPercent);
        }
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("intra_op_threads and inter_op_threads must be ≥ 0 (0 = ORT default)");
        }
        Map<String, List<Long>> divisors = new java.util.TreeMap<>();
        dimsMultipleOf.forEach((input, perDim) -> {
            if (perDim == null || perDim.isEmpty() || perDim.stream().anyMatch(d -> d == null || d < 1)) {
                throw new IllegalArgumentException("dims_multiple_of." + input
                        + " must list one divisor ≥ 1 per dimension (1: any size), got " + perDim);
            }
            divisors.put(input, List.copyOf(perDim));
        });
        dimsMultipleOf = Collections.unmodifiableMap(divisors);
        EnumMap<PriorityClass, PriorityPolicy> complete = new EnumMap<>(DEFAULT_PRIORITIES);
        complete.putAll(priorities);
        priorities = Collections.unmodifiableMap(complete);
    }

    public boolean batching() {
        return maxBatchSize > 0;
    }

    public PriorityPolicy priority(PriorityClass c) {
        return priorities.get(c);
    }

    public Optional<String> optionalFallback() {
        return Optional.ofNullable(fallback);
    }

    public ModelConfig withMaxBatchSize(int size) {
        List<Integer> preferred =
                preferredBatchSizes.stream().filter(s -> s <= Math.max(1, size)).toList();
        return new ModelConfig(
                size,
                maxQueueDelay,
                preferred,
                instances,
                device,
                gpuRequired,
                intraOpThreads,
                interOpThreads,
                allowSpinning,
                optimizationLevel,
                versionPolicy,
                priorities,
                defaultPriority,
                warmup,
                cache,
                deterministic,
                fallback,
                canaryPercent,
                scaling,
                dimsMultipleOf,
                padBatches,
                cuda);
    }

    private static Map<PriorityClass, PriorityPolicy> defaultPriorities() {
        EnumMap<PriorityClass, PriorityPolicy> m = new EnumMap<>(PriorityClass.class);
        m.put(PriorityClass.VIP, new PriorityPolicy(64, Duration.ofSeconds(10)));
        m.put(PriorityClass.REALTIME, new PriorityPolicy(256, Duration.ofSeconds(10)));
        m.put(PriorityClass.ASYNC, new PriorityPolicy(1024, Duration.ofMinutes(5)));
        m.put(PriorityClass.BATCH, new PriorityPolicy(4096, Duration.ofMinutes(30)));
        return Collections.unmodifiableMap(m);
    }
}
