package dev.ember.pool.api;

import java.util.Arrays;

/**
 * A tensor shape. Concrete shapes (of data) have dims ≥ 0; declared shapes (of model metadata) may
 * use -1 for a dimension the model leaves dynamic.
 */
public final class Shape {
    public static final long DYNAMIC = -1;

    private final long[] dims;

    private Shape(long[] dims) {
        this.dims = dims;
    }

    public static Shape of(long... dims) {
        for (long d : dims) {
            if (d < DYNAMIC) {
                throw InferenceException.badInput("shape " + Arrays.toString(dims) + " has a negative dimension");
            }
        }
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int axis) {
        return dims[axis];
    }

    public long[] toArray() {
        return dims.clone();
    }

    public boolean isConcrete() {
        for (long d : dims) {
            if (d == DYNAMIC) {
                return false;
            }
        }
        return true;
    }

    /** Number of elements; a rank-0 shape (a scalar) has one. */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            if (d == DYNAMIC) {
                throw new IllegalStateException("shape " + this + " is not concrete");
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw InferenceException.badInput("shape " + this + " has more elements than fit in a long");
            }
        }
        return n;
    }

    /** This shape with dimension 0 replaced, as when requests are concatenated into a batch. */
    public Shape withBatch(long rows) {
        long[] copy = dims.clone();
        copy[0] = rows;
        return new Shape(copy);
    }

    /** True if both shapes agree on every dimension but the first. */
    public boolean sameTail(Shape other) {
        if (other.dims.length != dims.length) {
            return false;
        }
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] != other.dims[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
