package dev.ember.bench;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import dev.ember.pool.api.config.CudaOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code --device cuda} changes in the benches: ppocr-det at its real size (1×3×640×640), the
 * worker's GPU config, CUDA on raw ONNX Runtime's sessions, and the JVM properties child workers
 * need to find the GPU natives (see shared/gpu/README.md: {@code -Donnxruntime.native.path}).
 */
final class GpuMode {
    static final long[] IMAGE = {1, 3, 640, 640};

    /**
     * The batch sizes the GPU config warms (and pads to), each with a session of its own; the
     * largest is the maximum batch. Up to 8, not 32: on the H200 (run 9) batches of at most 8 on
     * two runners gave 654.3 / 690.5 images/s at 32 / 64 clients against 595 / 597.3 with sizes up
     * to 32 (raw ONNX Runtime's best, b32: 579.7 / 559.3), and a spare was ready in 1085 ms against
     * 2052: b16's and b32's first runs (0.8-0.9 s each) are most of a warmup.
     */
    static final List<Integer> WARMED = List.of(1, 2, 4, 8);

    /** Every size up to 32, the GPU config before run 9, measured beside it. */
    static final List<Integer> UP_TO_32 = List.of(1, 2, 4, 8, 16, 32);

    /** Dispatch a batch of exactly a warmed size when the queue holds one (see {@link #workerConfig}). */
    static final String PREFERRED_WARMED = "preferred_batch_sizes: " + WARMED + "\n";

    /**
     * The worker's GPU config for ppocr-det: every batch size it can run warmed before ready and
     * given a session of its own; a batch is taken at the largest warmed size the queue holds
     * (preferred sizes) and padded up to a warmed size only when its requests' rows add up to no
     * warmed size; two runners so one batch is staged while the other computes. Without {@code
     * pad}, no preferred sizes either: batches of any size, one session.
     */
    static String workerConfig(int instances, boolean pad, String search) {
        return workerConfig(instances, pad, search, true);
    }

    static String workerConfig(int instances, boolean pad, String search, boolean sessionPerBatchSize) {
        return workerConfig(instances, pad, search, sessionPerBatchSize, WARMED);
    }

    /**
     * As {@link #workerConfig(int, boolean, String)}, warming (and preferring) {@code sizes}, e.g.
     * [1, 2, 4, 8]; the largest is the maximum batch.
     */
    static String workerConfig(
            int instances, boolean pad, String search, boolean sessionPerBatchSize, List<Integer> sizes) {
        return """
                device: cuda:0
                gpu_required: true
                max_batch_size: %d
                max_queue_delay_ms: 2
                %sinstances: %d
                pad_batches: %s
                warmup: {batch_sizes: %s, shapes: {x: [-1, 3, 640, 640]}}
                dims_multiple_of: {x: [1, 1, 32, 32]}
                cuda: {cudnn_conv_algo_search: %s, session_per_batch_size: %s}
                """.formatted(
                        java.util.Collections.max(sizes),
                        pad ? "preferred_batch_sizes: " + sizes + "\n" : "",
                        instances,
                        pad,
                        sizes,
                        search,
                        sessionPerBatchSize);
    }

    /** The same worker with batching off ({@code max_batch_size: 0}): one request per run. */
    static String unbatchedConfig(int instances, String search) {
        return workerConfig(instances, false, search)
                .replace("max_batch_size: " + java.util.Collections.max(WARMED) + "\n", "max_batch_size: 0\n");
    }

    private GpuMode() {}

    /** Adds the CUDA provider with {@code options} (the worker's own mapping) on device 0. */
    static void addCuda(OrtSession.SessionOptions session, CudaOptions options) throws OrtException {
        addCuda(session, options, Map.of());
    }

    /** As {@link #addCuda(OrtSession.SessionOptions, CudaOptions)}, plus provider options config.yaml does not expose. */
    static void addCuda(OrtSession.SessionOptions session, CudaOptions options, Map<String, String> extra)
            throws OrtException {
        try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(0)) {
            for (Map.Entry<String, String> e : options.providerOptions(0).entrySet()) {
                cuda.add(e.getKey(), e.getValue());
            }
            for (Map.Entry<String, String> e : extra.entrySet()) {
                cuda.add(e.getKey(), e.getValue());
            }
            session.addCUDA(cuda);
        }
    }

    /** JVM options a child worker needs on this machine: the GPU natives' folder and the batch trace. */
    static List<String> childJvmOptions() {
        List<String> out = new ArrayList<>();
        for (String p : List.of("onnxruntime.native.path", "ember.batch.trace")) {
            String v = System.getProperty(p);
            if (v != null) {
                out.add("-D" + p + "=" + v);
            }
        }
        return out;
    }
}
