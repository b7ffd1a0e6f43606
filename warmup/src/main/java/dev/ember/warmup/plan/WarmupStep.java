package dev.ember.warmup.plan;

import dev.ember.pool.api.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One run a worker makes before it reports a model ready.
 *
 * @param batchSize rows in this run (1 for a model that does not batch)
 * @param shapes the concrete shape of every model input, in the model's input order
 */
public record WarmupStep(int batchSize, Map<String, Shape> shapes) {
    public WarmupStep {
        if (batchSize < 1) {
            throw new IllegalArgumentException("a warmup step has at least one row, got " + batchSize);
        }
        Objects.requireNonNull(shapes, "shapes");
        shapes.forEach((input, shape) -> {
            if (!shape.isConcrete()) {
                throw new IllegalArgumentException("warmup shape of '" + input + "' is not concrete: " + shape);
            }
        });
        shapes = Collections.unmodifiableMap(new LinkedHashMap<>(shapes));
    }

    @Override
    public String toString() {
        return "batch " + batchSize + " " + shapes;
    }
}
