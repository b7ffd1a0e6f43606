package dev.ember.models;

import java.util.ArrayList;
import java.util.List;

/** A graph input or output: name, element type and declared shape. */
public record ValueInfo(String name, DataType type, List<Dim> shape) {

    public ValueInfo {
        shape = List.copyOf(shape);
    }

    /** A tensor of exactly the given dimensions. */
    public static ValueInfo fixed(String name, DataType type, long... dims) {
        List<Dim> shape = new ArrayList<>();
        for (long d : dims) {
            shape.add(Dim.fixed(d));
        }
        return new ValueInfo(name, type, shape);
    }

    /** A tensor whose first dimension is the dynamic {@code batch}, followed by fixed ones. */
    public static ValueInfo batched(String name, DataType type, long... dims) {
        List<Dim> shape = new ArrayList<>();
        shape.add(Dim.named(Dim.BATCH));
        for (long d : dims) {
            shape.add(Dim.fixed(d));
        }
        return new ValueInfo(name, type, shape);
    }
}
