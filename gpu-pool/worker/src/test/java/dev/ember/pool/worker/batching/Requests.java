package dev.ember.pool.worker.batching;

import dev.ember.pool.api.PriorityClass;
import dev.ember.pool.api.Tensor;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Builds pending requests whose single input "x" holds {@code rows} rows of {@code width} floats. */
final class Requests {
    private Requests() {}

    static PendingRequest pending(FakeTicker t, PriorityClass p, int rows, int width, Duration timeout) {
        return new PendingRequest(inputs(rows, width, 0f), Set.of(), rows, p, t.nanos(), t.nanos() + timeout.toNanos());
    }

    static PendingRequest pending(FakeTicker t, PriorityClass p, int rows) {
        return pending(t, p, rows, 2, Duration.ofSeconds(10));
    }

    /** Input "x" of shape [rows, width] holding first, first+1, ... */
    static Map<String, Tensor> inputs(int rows, int width, float first) {
        float[] values = new float[rows * width];
        for (int i = 0; i < values.length; i++) {
            values[i] = first + i;
        }
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("x", Tensor.ofFloats("x", new long[] {rows, width}, values));
        return m;
    }
}
