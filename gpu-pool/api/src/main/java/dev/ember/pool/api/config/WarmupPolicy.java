package dev.ember.pool.api.config;

import java.util.List;
import java.util.Optional;

/**
 * What a worker runs before it reports ready: each batch size once, on synthetic inputs built from
 * the model's metadata, or on the inputs in {@code sampleInputs} (a v2 request body, relative to
 * the model's folder). {@code batchSizes} empty means the model's preferred sizes plus 1 and the
 * maximum.
 */
public record WarmupPolicy(boolean enabled, List<Integer> batchSizes, String sampleInputs) {
    public static final WarmupPolicy DEFAULT = new WarmupPolicy(true, List.of(), null);

    public WarmupPolicy {
        batchSizes = List.copyOf(batchSizes);
        for (int b : batchSizes) {
            if (b < 1) {
                throw new IllegalArgumentException("warmup batch_sizes must be ≥ 1, got " + b);
            }
        }
    }

    public Optional<String> optionalSampleInputs() {
        return Optional.ofNullable(sampleInputs);
    }
}
