package dev.ember.pool.api.config;

import com.fasterxml.jackson.core.JacksonException;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads {@code config.yaml}. Every key is optional; a missing file means {@link
 * ModelConfig#DEFAULTS}. Unknown keys are errors, so a typo never silently reverts to a default.
 *
 * <pre>
 * max_batch_size: 8            # 0 = no batching
 * max_queue_delay_ms: 2
 * preferred_batch_sizes: [4, 8]
 * instances: 1
 * device: cpu                  # or cuda, cuda:N
 * gpu_required: false          # true: fail instead of falling back to CPU
 * intra_op_threads: 0          # 0 = ONNX Runtime's default
 * inter_op_threads: 0
 * allow_spinning: false        # true: idle ORT threads spin (faster handoff, burns shared cores)
 * optimization_level: all      # disable | basic | extended | all
 * version_policy: latest       # or all
 * default_priority: realtime
 * priorities:
 *   vip:      {queue_cap: 64,   timeout_ms: 10000}
 *   realtime: {queue_cap: 256,  timeout_ms: 10000}
 *   async:    {queue_cap: 1024, timeout_ms: 300000}
 *   batch:    {queue_cap: 4096, timeout_ms: 1800000}
 * warmup: {enabled: true, batch_sizes: [1, 8], sample_inputs: sample.json}
 * warmup: {shapes: {x: [-1, 3, 160, 160]}}   # synthetic inputs; -1 in dim 0 = the batch size
 * cache: {enabled: true, ttl_seconds: 300, stale_ttl_seconds: 3600, max_entry_bytes: 1048576}
 * deterministic: true
 * fallback: smaller-model
 * canary_percent: 0            # a new version's share of traffic until promoted
 * pad_batches: false           # true: pad each batch to the smallest warmed batch size (GPU)
 * cuda: {cudnn_conv_algo_search: heuristic,   # exhaustive | heuristic | default
 *        gpu_mem_limit_mb: 0,                 # 0 = no limit
 *        arena_extend_strategy: next_power_of_two,   # or same_as_requested
 *        do_copy_in_default_stream: true, enable_cuda_graph: false,
 *        session_per_batch_size: true}      # with pad_batches: one session per warmed size
 * scaling: {target_concurrency: 8, min_warm: 0, max_workers: 4, initial_scale: 0,
 *           stable_window_seconds: 60, scale_to_zero_grace_seconds: 30,
 *           forecast: true}   # local pool only; forecast: false follows observed load only
 * </pre>
 */
public final class ModelConfigReader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    private ModelConfigReader() {}

    /** The config in {@code file}, or the defaults if there is no such file. */
    public static ModelConfig read(Path file) {
        if (!Files.isRegularFile(file)) {
            return ModelConfig.DEFAULTS;
        }
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new ModelConfigException(file + ": cannot read: " + e.getMessage(), e);
        } catch (ModelConfigException e) {
            throw new ModelConfigException(file + ": " + e.getMessage(), e.getCause());
        }
    }

    /** The config in {@code yaml}; anything wrong with it fails with a {@link ModelConfigException}. */
    public static ModelConfig parse(String yaml) {
        Raw raw;
        try {
            // A file of only comments is a valid config of defaults, but Jackson sees no content at all.
            JsonNode tree = YAML.readTree(yaml);
            raw = tree == null || tree.isMissingNode() || tree.isNull() ? null : YAML.treeToValue(tree, Raw.class);
        } catch (UnrecognizedPropertyException e) {
            // Jackson's own message names a Java class and "not marked as ignorable"; say it in config terms.
            throw new ModelConfigException("unknown key '" + keyPath(e) + "'; expected one of " + knownKeys(e), e);
        } catch (JsonMappingException e) {
            String key = keyPath(e);
            throw new ModelConfigException((key.isEmpty() ? "" : key + ": ") + e.getOriginalMessage(), e);
        } catch (JacksonException e) {
            throw new ModelConfigException(e.getOriginalMessage(), e);
        }
        try {
            return raw == null ? ModelConfig.DEFAULTS : raw.toConfig();
        } catch (IllegalArgumentException | InferenceException e) {
            // Values YAML accepts but the policies refuse: a bad device, enum or priority name, a range.
            throw new ModelConfigException(e.getMessage(), e);
        }
    }

    record Raw(
            Integer maxBatchSize,
            Long maxQueueDelayMs,
            List<Integer> preferredBatchSizes,
            Integer instances,
            String device,
            Boolean gpuRequired,
            Integer intraOpThreads,
            Integer interOpThreads,
            Boolean allowSpinning,
            String optimizationLevel,
            String versionPolicy,
            String defaultPriority,
            Map<String, RawPriority> priorities,
            RawWarmup warmup,
            RawCache cache,
            Boolean deterministic,
            String fallback,
            Integer canaryPercent,
            RawScaling scaling,
            Map<String, List<Long>> dimsMultipleOf,
            Boolean padBatches,
            RawCuda cuda) {

        ModelConfig toConfig() {
            ModelConfig d = ModelConfig.DEFAULTS;
            return new ModelConfig(
                    or(maxBatchSize, d.maxBatchSize()),
                    maxQueueDelayMs == null ? d.maxQueueDelay() : Duration.ofMillis(maxQueueDelayMs),
                    or(preferredBatchSizes, d.preferredBatchSizes()),
                    or(instances, d.instances()),
                    device == null ? d.device() : Device.parse(device),
                    or(gpuRequired, d.gpuRequired()),
                    or(intraOpThreads, d.intraOpThreads()),
                    or(interOpThreads, d.interOpThreads()),
                    or(allowSpinning, d.allowSpinning()),
                    optimizationLevel == null
                            ? d.optimizationLevel()
                            : enumOf(ModelConfig.OptimizationLevel.class, "optimization_level", optimizationLevel),
                    versionPolicy == null
                            ? d.versionPolicy()
                            : enumOf(ModelConfig.VersionPolicy.class, "version_policy", versionPolicy),
                    priorityPolicies(),
                    defaultPriority == null ? d.defaultPriority() : PriorityClass.fromWire(defaultPriority),
                    warmup == null ? d.warmup() : warmup.toPolicy(),
                    cache == null ? d.cache() : cache.toPolicy(),
                    or(deterministic, d.deterministic()),
                    fallback,
                    or(canaryPercent, d.canaryPercent()),
                    scaling == null ? d.scaling() : scaling.toSettings(),
                    or(dimsMultipleOf, d.dimsMultipleOf()),
                    or(padBatches, d.padBatches()),
                    cuda == null ? d.cuda() : cuda.toOptions());
        }

        private Map<PriorityClass, PriorityPolicy> priorityPolicies() {
            Map<PriorityClass, PriorityPolicy> out = new EnumMap<>(PriorityClass.class);
            if (priorities != null) {
                priorities.forEach((name, p) -> {
                    PriorityClass c = PriorityClass.fromWire(name);
                    PriorityPolicy base = ModelConfig.DEFAULT_PRIORITIES.get(c);
                    out.put(
                            c,
                            new PriorityPolicy(
                                    p.queueCap() == null ? base.queueCap() : p.queueCap(),
                                    p.timeoutMs() == null ? base.timeout() : Duration.ofMillis(p.timeoutMs())));
                });
            }
            return out;
        }
    }

    record RawCuda(
            String cudnnConvAlgoSearch,
            Long gpuMemLimitMb,
            String arenaExtendStrategy,
            Boolean doCopyInDefaultStream,
            Boolean enableCudaGraph,
            Boolean sessionPerBatchSize) {
        CudaOptions toOptions() {
            CudaOptions d = CudaOptions.DEFAULTS;
            return new CudaOptions(
                    cudnnConvAlgoSearch == null
                            ? d.convAlgoSearch()
                            : enumOf(
                                    CudaOptions.ConvAlgoSearch.class,
                                    "cuda.cudnn_conv_algo_search",
                                    cudnnConvAlgoSearch),
                    gpuMemLimitMb == null ? d.memLimitBytes() : Math.multiplyExact(gpuMemLimitMb, 1024L * 1024L),
                    arenaExtendStrategy == null
                            ? d.arenaExtend()
                            : enumOf(CudaOptions.ArenaExtend.class, "cuda.arena_extend_strategy", arenaExtendStrategy),
                    or(doCopyInDefaultStream, d.copyInDefaultStream()),
                    or(enableCudaGraph, d.cudaGraph()),
                    or(sessionPerBatchSize, d.sessionPerBatchSize()));
        }
    }

    record RawPriority(Integer queueCap, Long timeoutMs) {}

    record RawScaling(
            Double targetConcurrency,
            Integer minWarm,
            Integer maxWorkers,
            Integer initialScale,
            Long stableWindowSeconds,
            Long scaleToZeroGraceSeconds,
            Boolean forecast) {
        ScalingSettings toSettings() {
            ScalingSettings d = ScalingSettings.DEFAULT;
            return new ScalingSettings(
                    or(targetConcurrency, d.targetConcurrency()),
                    or(minWarm, d.minWarm()),
                    or(maxWorkers, d.maxWorkers()),
                    or(initialScale, d.initialScale()),
                    stableWindowSeconds == null ? d.stableWindow() : Duration.ofSeconds(stableWindowSeconds),
                    scaleToZeroGraceSeconds == null
                            ? d.scaleToZeroGrace()
                            : Duration.ofSeconds(scaleToZeroGraceSeconds),
                    or(forecast, d.forecast()));
        }
    }

    record RawWarmup(Boolean enabled, List<Integer> batchSizes, String sampleInputs, Map<String, List<Long>> shapes) {
        WarmupPolicy toPolicy() {
            WarmupPolicy d = WarmupPolicy.DEFAULT;
            return new WarmupPolicy(
                    or(enabled, d.enabled()), or(batchSizes, d.batchSizes()), sampleInputs, or(shapes, d.shapes()));
        }
    }

    record RawCache(Boolean enabled, Long ttlSeconds, Long staleTtlSeconds, Integer maxEntryBytes) {
        CachePolicy toPolicy() {
            CachePolicy d = CachePolicy.DEFAULT;
            Duration ttl = ttlSeconds == null ? d.ttl() : Duration.ofSeconds(ttlSeconds);
            Duration stale = staleTtlSeconds == null
                    ? (ttl.compareTo(d.staleTtl()) > 0 ? ttl : d.staleTtl())
                    : Duration.ofSeconds(staleTtlSeconds);
            return new CachePolicy(or(enabled, d.enabled()), ttl, stale, or(maxEntryBytes, d.maxEntryBytes()));
        }
    }

    /** Where in the file a mapping error is, as dotted keys: {@code cache.ttl}. */
    private static String keyPath(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static String knownKeys(UnrecognizedPropertyException e) {
        return e.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", "));
    }

    private static <T> T or(T value, T fallback) {
        return value == null ? fallback : value;
    }

    private static <E extends Enum<E>> E enumOf(Class<E> type, String key, String value) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + " must be one of "
                    + List.of(type.getEnumConstants()).toString().toLowerCase(Locale.ROOT) + ", got '" + value + "'");
        }
    }
}
