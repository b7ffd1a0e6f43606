package dev.ember.models;

import java.util.Objects;

/**
 * One dimension of a declared tensor shape: either a fixed size or a symbolic name. A symbolic
 * name (ONNX {@code dim_param}) is how a model says "any size", e.g. the batch dimension.
 */
public record Dim(long value, String param) {

    /** Name used for the leading dynamic dimension of every batched model here. */
    public static final String BATCH = "batch";

    public Dim {
        if (param == null && value < 0) {
            throw new IllegalArgumentException("fixed dimension must be >= 0, got " + value);
        }
        if (param != null && param.isEmpty()) {
            throw new IllegalArgumentException("symbolic dimension needs a name");
        }
    }

    public static Dim fixed(long value) {
        return new Dim(value, null);
    }

    public static Dim named(String param) {
        return new Dim(0, Objects.requireNonNull(param));
    }

    public boolean isSymbolic() {
        return param != null;
    }
}
