package dev.ember.pool.api.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a worker runs before it reports a model ready: each batch size once, so the first real
 * requests do not pay for memory planning, JIT or (on GPU) cuDNN's per-shape algorithm search.
 *
 * @param batchSizes sizes to run; empty means 1, the preferred sizes and the maximum
 * @param sampleInputs a v2 request body (file relative to the model's folder) whose rows are
 *     repeated to each batch size; otherwise inputs are synthetic, built from the model's metadata
 * @param shapes for synthetic inputs, a shape per input where dimensions the model leaves dynamic
 *     are unknown (e.g. an image's height and width): {@code -1} in dimension 0 stands for the
 *     batch size being warmed; any other dynamic dimension left out or {@code -1} becomes 1
 */
public record WarmupPolicy(
        boolean enabled, List<Integer> batchSizes, String sampleInputs, Map<String, List<Long>> shapes) {
    public static final WarmupPolicy DEFAULT = new WarmupPolicy(true, List.of(), null, Map.of());

    public WarmupPolicy {
        batchSizes = List.copyOf(batchSizes);
        for (int b : batchSizes) {
            if (b < 1) {
                throw new IllegalArgumentException("warmup batch_sizes must be ≥ 1, got " + b);
            }
        }
        shapes = shapes == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(shapes));
        shapes.forEach((input, dims) -> {
            for (long d : dims) {
                if (d < -1 || d == 0) {
                    throw new IllegalArgumentException(
                            "warmup shape of '" + input + "' has dimension " + d + "; use positive sizes or -1");
                }
            }
        });
    }

    public WarmupPolicy(boolean enabled, List<Integer> batchSizes, String sampleInputs) {
        this(enabled, batchSizes, sampleInputs, Map.of());
    }

    public Optional<String> optionalSampleInputs() {
        return Optional.ofNullable(sampleInputs);
    }

    /** True if the model's folder says how to build warmup inputs, rather than leaving it to metadata. */
    public boolean explicitInputs() {
        return sampleInputs != null || !shapes.isEmpty();
    }
}
