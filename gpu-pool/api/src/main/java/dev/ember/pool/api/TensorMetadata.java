package dev.ember.pool.api;

import java.util.Objects;

/** A model input or output as declared: name, datatype and shape (-1 marks a dynamic dimension). */
public record TensorMetadata(String name, DataType datatype, Shape shape) {
    public TensorMetadata {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(datatype, "datatype");
        Objects.requireNonNull(shape, "shape");
    }

    /** True if dimension 0 is dynamic, the mark of a batch dimension. */
    public boolean hasDynamicBatchDim() {
        return shape.rank() > 0 && shape.dim(0) == Shape.DYNAMIC;
    }
}
