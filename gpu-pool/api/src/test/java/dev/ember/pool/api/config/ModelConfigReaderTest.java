package dev.ember.pool.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.pool.api.PriorityClass;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelConfigReaderTest {
    /** The example of ModelConfigReader's Javadoc, with values changed from the defaults where possible. */
    private static final String FULL = """
            max_batch_size: 16           # 0 = no batching
            max_queue_delay_ms: 5
            preferred_batch_sizes: [8, 4]
            instances: 2
            device: cuda:1               # or cuda, cuda:N
            gpu_required: true           # true: fail instead of falling back to CPU
            intra_op_threads: 4          # 0 = ONNX Runtime's default
            inter_op_threads: 2
            optimization_level: extended # disable | basic | extended | all
            version_policy: all          # or all
            default_priority: async
            priorities:
              vip:      {queue_cap: 32,   timeout_ms: 1000}
              realtime: {queue_cap: 128,  timeout_ms: 2000}
              async:    {queue_cap: 512,  timeout_ms: 60000}
              batch:    {queue_cap: 2048, timeout_ms: 600000}
            warmup: {enabled: false, batch_sizes: [1, 16], sample_inputs: sample.json}
            cache: {enabled: false, ttl_seconds: 60, stale_ttl_seconds: 120, max_entry_bytes: 4096}
            deterministic: false
            fallback: smaller-model
            """;

    @TempDir
    Path dir;

    @Test
    void fullExampleParses() {
        ModelConfig c = ModelConfigReader.parse(FULL);
        assertThat(c.maxBatchSize()).isEqualTo(16);
        assertThat(c.batching()).isTrue();
        assertThat(c.maxQueueDelay()).isEqualTo(Duration.ofMillis(5));
        assertThat(c.preferredBatchSizes()).containsExactly(4, 8);
        assertThat(c.instances()).isEqualTo(2);
        assertThat(c.device()).isEqualTo(new Device(Device.Kind.CUDA, 1));
        assertThat(c.gpuRequired()).isTrue();
        assertThat(c.intraOpThreads()).isEqualTo(4);
        assertThat(c.interOpThreads()).isEqualTo(2);
        assertThat(c.optimizationLevel()).isEqualTo(ModelConfig.OptimizationLevel.EXTENDED);
        assertThat(c.versionPolicy()).isEqualTo(ModelConfig.VersionPolicy.ALL);
        assertThat(c.defaultPriority()).isEqualTo(PriorityClass.ASYNC);
        assertThat(c.priority(PriorityClass.VIP)).isEqualTo(new PriorityPolicy(32, Duration.ofSeconds(1)));
        assertThat(c.priority(PriorityClass.REALTIME)).isEqualTo(new PriorityPolicy(128, Duration.ofSeconds(2)));
        assertThat(c.priority(PriorityClass.ASYNC)).isEqualTo(new PriorityPolicy(512, Duration.ofMinutes(1)));
        assertThat(c.priority(PriorityClass.BATCH)).isEqualTo(new PriorityPolicy(2048, Duration.ofMinutes(10)));
        assertThat(c.warmup()).isEqualTo(new WarmupPolicy(false, List.of(1, 16), "sample.json"));
        assertThat(c.warmup().optionalSampleInputs()).contains("sample.json");
        assertThat(c.cache()).isEqualTo(new CachePolicy(false, Duration.ofSeconds(60), Duration.ofSeconds(120), 4096));
        assertThat(c.deterministic()).isFalse();
        assertThat(c.optionalFallback()).contains("smaller-model");
    }

    @Test
    void javadocExampleAsWrittenGivesTheDefaults() {
        String asDocumented = """
                max_batch_size: 8            # 0 = no batching
                max_queue_delay_ms: 2
                preferred_batch_sizes: [4, 8]
                instances: 1
                device: cpu                  # or cuda, cuda:N
                gpu_required: false          # true: fail instead of falling back to CPU
                intra_op_threads: 0          # 0 = ONNX Runtime's default
                inter_op_threads: 0
                optimization_level: all      # disable | basic | extended | all
                version_policy: latest       # or all
                default_priority: realtime
                priorities:
                  vip:      {queue_cap: 64,   timeout_ms: 10000}
                  realtime: {queue_cap: 256,  timeout_ms: 10000}
                  async:    {queue_cap: 1024, timeout_ms: 300000}
                  batch:    {queue_cap: 4096, timeout_ms: 1800000}
                warmup: {enabled: true, batch_sizes: [1, 8], sample_inputs: sample.json}
                cache: {enabled: true, ttl_seconds: 300, stale_ttl_seconds: 3600, max_entry_bytes: 1048576}
                deterministic: true
                fallback: smaller-model
                """;
        ModelConfig c = ModelConfigReader.parse(asDocumented);
        ModelConfig d = ModelConfig.DEFAULTS;
        assertThat(c.maxBatchSize()).isEqualTo(d.maxBatchSize());
        assertThat(c.maxQueueDelay()).isEqualTo(d.maxQueueDelay());
        assertThat(c.device()).isEqualTo(d.device());
        assertThat(c.priorities()).isEqualTo(d.priorities());
        assertThat(c.cache()).isEqualTo(d.cache());
        assertThat(c.preferredBatchSizes()).containsExactly(4, 8);
    }

    @Test
    void scalingAsDocumentedGivesTheDefaultsAndTheForecastCanBeTurnedOff() {
        ModelConfig documented = ModelConfigReader.parse("""
                scaling: {target_concurrency: 8, min_warm: 0, max_workers: 4, initial_scale: 0,
                          stable_window_seconds: 60, scale_to_zero_grace_seconds: 30, forecast: true}
                """);
        assertThat(documented.scaling()).isEqualTo(ScalingSettings.DEFAULT);
        assertThat(ScalingSettings.DEFAULT.forecast()).isTrue();

        ScalingSettings reactive = ModelConfigReader.parse("scaling: {forecast: false, max_workers: 2}")
                .scaling();
        assertThat(reactive.forecast()).isFalse();
        assertThat(reactive.maxWorkers()).isEqualTo(2);
        assertThat(reactive.stableWindow()).isEqualTo(ScalingSettings.DEFAULT.stableWindow());
    }

    @Test
    void emptyOrCommentOnlyYamlGivesTheDefaults() {
        assertThat(ModelConfigReader.parse("")).isEqualTo(ModelConfig.DEFAULTS);
        assertThat(ModelConfigReader.parse("\n\n")).isEqualTo(ModelConfig.DEFAULTS);
        assertThat(ModelConfigReader.parse("# nothing to change\n# yet\n")).isEqualTo(ModelConfig.DEFAULTS);
        assertThat(ModelConfigReader.parse("{}")).isEqualTo(ModelConfig.DEFAULTS);
    }

    @Test
    void missingFileGivesTheDefaults() {
        assertThat(ModelConfigReader.read(dir.resolve("config.yaml"))).isEqualTo(ModelConfig.DEFAULTS);
    }

    @Test
    void emptyFileGivesTheDefaults() throws IOException {
        Path file = Files.writeString(dir.resolve("config.yaml"), "# defaults are fine\n");
        assertThat(ModelConfigReader.read(file)).isEqualTo(ModelConfig.DEFAULTS);
    }

    @Test
    void readsAFile() throws IOException {
        Path file = Files.writeString(dir.resolve("config.yaml"), "max_batch_size: 0\ndevice: gpu\n");
        ModelConfig c = ModelConfigReader.read(file);
        assertThat(c.batching()).isFalse();
        assertThat(c.device()).isEqualTo(new Device(Device.Kind.CUDA, 0));
        assertThat(c.instances()).isEqualTo(ModelConfig.DEFAULTS.instances());
    }

    @Test
    void partialPriorityEntryKeepsTheOtherDefaults() {
        ModelConfig c = ModelConfigReader.parse("priorities:\n  vip: {queue_cap: 8}\n  batch: {timeout_ms: 5000}\n");
        assertThat(c.priority(PriorityClass.VIP)).isEqualTo(new PriorityPolicy(8, Duration.ofSeconds(10)));
        assertThat(c.priority(PriorityClass.BATCH)).isEqualTo(new PriorityPolicy(4096, Duration.ofSeconds(5)));
        assertThat(c.priority(PriorityClass.REALTIME))
                .isEqualTo(ModelConfig.DEFAULT_PRIORITIES.get(PriorityClass.REALTIME));
        assertThat(c.priorities()).hasSize(4);
    }

    @Test
    void partialCacheKeepsTheOtherDefaultsAndAStaleTtlNoShorterThanTheTtl() {
        ModelConfig c = ModelConfigReader.parse("cache: {ttl_seconds: 7200}\n");
        assertThat(c.cache().enabled()).isTrue();
        assertThat(c.cache().ttl()).isEqualTo(Duration.ofHours(2));
        assertThat(c.cache().staleTtl()).isEqualTo(Duration.ofHours(2));
        assertThat(c.cache().maxEntryBytes()).isEqualTo(CachePolicy.DEFAULT.maxEntryBytes());
    }

    @Test
    void unknownKeyIsNamedWithTheKeysThatWouldFit() {
        assertThatThrownBy(() -> ModelConfigReader.parse("max_batch: 8\n"))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("unknown key 'max_batch'")
                .hasMessageContaining("max_batch_size")
                .hasMessageNotContaining("ModelConfigReader");
        assertThatThrownBy(() -> ModelConfigReader.parse("cache: {ttl: 5}\n"))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("unknown key 'cache.ttl'")
                .hasMessageContaining("ttl_seconds");
        assertThatThrownBy(() -> ModelConfigReader.parse("priorities:\n  vip: {timeout: 5}\n"))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("unknown key 'priorities.vip.timeout'")
                .hasMessageContaining("timeout_ms");
    }

    @Test
    void unknownKeyInAFileNamesTheFileAndTheKey() throws IOException {
        Path file = Files.writeString(dir.resolve("config.yaml"), "max_batch_size: 4\ninstance: 2\n");
        assertThatThrownBy(() -> ModelConfigReader.read(file))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("instance");
    }

    @Test
    void invalidValuesGiveClearMessages() {
        assertInvalid("max_batch_size: -1\n", "max_batch_size", "-1");
        assertInvalid("max_batch_size: 4\npreferred_batch_sizes: [2, 8]\n", "preferred_batch_sizes", "8");
        assertInvalid("device: tpu\n", "device", "tpu");
        assertInvalid("optimization_level: maximum\n", "optimization_level", "maximum", "extended");
        assertInvalid("version_policy: newest\n", "version_policy", "newest");
        assertInvalid("default_priority: urgent\n", "urgent", "realtime");
        assertInvalid("priorities:\n  urgent: {queue_cap: 1}\n", "urgent");
        assertInvalid("priorities:\n  vip: {queue_cap: 0}\n", "queue_cap", "0");
        assertInvalid("instances: 0\n", "instances", "0");
        assertInvalid("max_queue_delay_ms: 60000\n", "max_queue_delay_ms", "60000");
        assertInvalid("cache: {ttl_seconds: 60, stale_ttl_seconds: 30}\n", "stale_ttl_seconds");
        assertInvalid("max_batch_size: lots\n", "max_batch_size", "lots");
        assertInvalid("cache: {ttl_seconds: soon}\n", "cache.ttl_seconds", "soon");
    }

    @Test
    void invalidValueInAFileNamesTheFile() throws IOException {
        Path file = Files.writeString(dir.resolve("config.yaml"), "default_priority: urgent\n");
        assertThatThrownBy(() -> ModelConfigReader.read(file))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("urgent");
    }

    @Test
    void malformedYamlIsAConfigError() {
        assertThatThrownBy(() -> ModelConfigReader.parse("max_batch_size: [1,\n"))
                .isInstanceOf(ModelConfigException.class);
        assertThatThrownBy(() -> ModelConfigReader.parse("- 1\n- 2\n")).isInstanceOf(ModelConfigException.class);
    }

    @Test
    void deviceParsing() {
        assertThat(Device.parse("cpu")).isEqualTo(Device.CPU);
        assertThat(Device.parse(" CPU ")).isEqualTo(Device.CPU);
        assertThat(Device.parse("cuda")).isEqualTo(new Device(Device.Kind.CUDA, 0));
        assertThat(Device.parse("gpu")).isEqualTo(new Device(Device.Kind.CUDA, 0));
        assertThat(Device.parse("cuda:3")).isEqualTo(new Device(Device.Kind.CUDA, 3));
        assertThat(Device.parse("CUDA:2").isGpu()).isTrue();
        assertThat(Device.parse("cuda:2").toString()).isEqualTo("cuda:2");
        assertThat(Device.CPU.toString()).isEqualTo("cpu");
        assertThat(Device.CPU.isGpu()).isFalse();
        for (String bad : List.of("tpu", "cuda:", "cuda:x", "cuda1", "")) {
            assertThatThrownBy(() -> Device.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cpu, cuda or cuda:N");
        }
        assertThatThrownBy(() -> Device.parse("cuda:-1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void withMaxBatchSizeDropsPreferredSizesThatNoLongerFit() {
        ModelConfig c = ModelConfigReader.parse("max_batch_size: 16\npreferred_batch_sizes: [4, 8, 16]\n");
        assertThat(c.withMaxBatchSize(8).preferredBatchSizes()).containsExactly(4, 8);
        assertThat(c.withMaxBatchSize(0).batching()).isFalse();
    }

    @Test
    void dimsMultipleOfListsADivisorPerDimension() {
        ModelConfig c = ModelConfigReader.parse("dims_multiple_of: {x: [1, 1, 32, 32]}\n");
        assertThat(c.dimsMultipleOf()).containsEntry("x", List.of(1L, 1L, 32L, 32L));
        assertInvalid("dims_multiple_of: {x: [1, 0]}\n", "dims_multiple_of.x", "≥ 1");
        assertInvalid("dims_multiple_of: {x: []}\n", "dims_multiple_of.x");
    }

    @Test
    void cudaOptionsParseAndMapToOnnxRuntimeNames() {
        ModelConfig c = ModelConfigReader.parse("""
                device: cuda:1
                pad_batches: true
                cuda:
                  cudnn_conv_algo_search: exhaustive
                  gpu_mem_limit_mb: 2048
                  arena_extend_strategy: same_as_requested
                  do_copy_in_default_stream: false
                  enable_cuda_graph: true
                  session_per_batch_size: false
                """);
        assertThat(c.padBatches()).isTrue();
        assertThat(c.cuda())
                .isEqualTo(new CudaOptions(
                        CudaOptions.ConvAlgoSearch.EXHAUSTIVE,
                        2048L << 20,
                        CudaOptions.ArenaExtend.SAME_AS_REQUESTED,
                        false,
                        true,
                        false));
        assertThat(c.cuda().providerOptions(c.device().index()))
                .containsExactly(
                        java.util.Map.entry("device_id", "1"),
                        java.util.Map.entry("cudnn_conv_algo_search", "EXHAUSTIVE"),
                        java.util.Map.entry("gpu_mem_limit", Long.toString(2048L << 20)),
                        java.util.Map.entry("arena_extend_strategy", "kSameAsRequested"),
                        java.util.Map.entry("do_copy_in_default_stream", "0"),
                        java.util.Map.entry("enable_cuda_graph", "1"));
    }

    @Test
    void cudaDefaultsAreTheMeasuredOnesAndAPartialBlockKeepsTheRest() {
        ModelConfig d = ModelConfigReader.parse("device: cuda\n");
        assertThat(d.padBatches()).isFalse();
        assertThat(d.cuda()).isEqualTo(CudaOptions.DEFAULTS);
        assertThat(d.cuda().providerOptions(0))
                .containsEntry(
                        "cudnn_conv_algo_search",
                        CudaOptions.DEFAULTS.convAlgoSearch().name())
                .containsEntry("do_copy_in_default_stream", "1")
                .containsEntry("enable_cuda_graph", "0")
                .doesNotContainKey("gpu_mem_limit");
        ModelConfig c = ModelConfigReader.parse("cuda: {cudnn_conv_algo_search: Default}\n");
        assertThat(c.cuda()).isEqualTo(CudaOptions.DEFAULTS.withConvAlgoSearch(CudaOptions.ConvAlgoSearch.DEFAULT));
    }

    @Test
    void badCudaOptionsSayWhatToChange() {
        assertInvalid(
                "cuda: {cudnn_conv_algo_search: fastest}\n",
                "cuda.cudnn_conv_algo_search",
                "exhaustive",
                "heuristic",
                "'fastest'");
        assertInvalid("cuda: {gpu_mem_limit_mb: -1}\n", "gpu_mem_limit_mb", "≥ 0");
        assertInvalid("cuda: {arena_extend_strategy: double}\n", "cuda.arena_extend_strategy", "same_as_requested");
        assertInvalid("cuda: {graphs: true}\n", "unknown key", "cuda.graphs", "enable_cuda_graph");
        assertInvalid("pad_batches: maybe\n", "pad_batches");
    }

    private static void assertInvalid(String yaml, String... words) {
        assertThatThrownBy(() -> ModelConfigReader.parse(yaml))
                .as(yaml)
                .isInstanceOf(ModelConfigException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains(words));
    }
}
