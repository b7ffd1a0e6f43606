package dev.ember.pool.api.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * ONNX Runtime's CUDA execution provider options that matter for serving, from the {@code cuda:}
 * block of a model's config.yaml. Ignored when the model runs on CPU (configured so, or after a
 * CUDA fallback). Defaults were measured on an H200 with ppocr-det (see
 * load-profiles/results/gpu-h200/).
 *
 * @param convAlgoSearch how cuDNN picks each convolution's algorithm the first time a shape runs:
 *     {@code exhaustive} benchmarks every algorithm (ONNX Runtime's own default; 0.8–2.2 s per new
 *     batch shape on an H200), {@code heuristic} asks cuDNN's heuristics (no benchmark), {@code
 *     default} takes a fixed algorithm
 * @param memLimitBytes the CUDA memory arena's limit (0: no limit beyond the card's memory)
 * @param arenaExtend how the arena grows: by the next power of two, or by what was requested
 * @param copyInDefaultStream do host–device copies on the compute stream (ONNX Runtime's default);
 *     false lets them run on a separate stream
 * @param cudaGraph capture the model's kernels once per shape and replay them; needs fixed input
 *     and output addresses, which ONNX Runtime's Java API (no IO binding in 1.23.2) cannot promise:
 *     on the H200 a session with it failed its first run of ppocr-det, so it is off unless asked for
 * @param sessionPerBatchSize with {@code pad_batches}, one session per warmed batch size, each only
 *     ever fed its one shape: ONNX Runtime 1.23.2's CUDA convolutions pay their first-run cost
 *     (0.1–0.9 s for ppocr-det) again each time a session's input shape changes, measured on the
 *     H200, so one session serving batches of 1, 8 and 32 in turn ran 10–50 times slower
 */
public record CudaOptions(
        ConvAlgoSearch convAlgoSearch,
        long memLimitBytes,
        ArenaExtend arenaExtend,
        boolean copyInDefaultStream,
        boolean cudaGraph,
        boolean sessionPerBatchSize) {

    public enum ConvAlgoSearch {
        EXHAUSTIVE,
        HEURISTIC,
        DEFAULT
    }

    public enum ArenaExtend {
        NEXT_POWER_OF_TWO,
        SAME_AS_REQUESTED
    }

    public static final CudaOptions DEFAULTS =
            new CudaOptions(ConvAlgoSearch.HEURISTIC, 0, ArenaExtend.NEXT_POWER_OF_TWO, true, false, true);

    public CudaOptions {
        Objects.requireNonNull(convAlgoSearch, "convAlgoSearch");
        Objects.requireNonNull(arenaExtend, "arenaExtend");
        if (memLimitBytes < 0) {
            throw new IllegalArgumentException("cuda.gpu_mem_limit_mb must be ≥ 0 (0: no limit), got " + memLimitBytes);
        }
    }

    /**
     * The provider options as ONNX Runtime names them ({@code OrtCUDAProviderOptions.add}), for
     * CUDA device {@code deviceId}.
     */
    public Map<String, String> providerOptions(int deviceId) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("device_id", Integer.toString(deviceId));
        m.put("cudnn_conv_algo_search", convAlgoSearch.name());
        if (memLimitBytes > 0) {
            m.put("gpu_mem_limit", Long.toString(memLimitBytes));
        }
        m.put(
                "arena_extend_strategy",
                arenaExtend == ArenaExtend.NEXT_POWER_OF_TWO ? "kNextPowerOfTwo" : "kSameAsRequested");
        m.put("do_copy_in_default_stream", copyInDefaultStream ? "1" : "0");
        m.put("enable_cuda_graph", cudaGraph ? "1" : "0");
        return m;
    }

    public CudaOptions withConvAlgoSearch(ConvAlgoSearch search) {
        return new CudaOptions(search, memLimitBytes, arenaExtend, copyInDefaultStream, cudaGraph, sessionPerBatchSize);
    }

    public CudaOptions withCopyInDefaultStream(boolean copy) {
        return new CudaOptions(convAlgoSearch, memLimitBytes, arenaExtend, copy, cudaGraph, sessionPerBatchSize);
    }

    public CudaOptions withSessionPerBatchSize(boolean perSize) {
        return new CudaOptions(convAlgoSearch, memLimitBytes, arenaExtend, copyInDefaultStream, cudaGraph, perSize);
    }

    public CudaOptions withCudaGraph(boolean graph) {
        return new CudaOptions(
                convAlgoSearch, memLimitBytes, arenaExtend, copyInDefaultStream, graph, sessionPerBatchSize);
    }

    @Override
    public String toString() {
        return "cudnn_conv_algo_search=" + convAlgoSearch.name().toLowerCase(Locale.ROOT) + " gpu_mem_limit="
                + memLimitBytes + " arena_extend_strategy=" + arenaExtend.name().toLowerCase(Locale.ROOT)
                + " do_copy_in_default_stream=" + copyInDefaultStream + " enable_cuda_graph=" + cudaGraph
                + " session_per_batch_size=" + sessionPerBatchSize;
    }
}
