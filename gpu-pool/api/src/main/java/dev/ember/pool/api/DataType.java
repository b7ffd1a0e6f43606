package dev.ember.pool.api;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Tensor element types of the Open Inference Protocol, by their wire names. */
public enum DataType {
    BOOL(1),
    UINT8(1),
    UINT16(2),
    UINT32(4),
    UINT64(8),
    INT8(1),
    INT16(2),
    INT32(4),
    INT64(8),
    FP16(2),
    BF16(2),
    FP32(4),
    FP64(8),
    /** Variable-length byte strings; on the wire each element is a 4-byte little-endian length then the bytes. */
    BYTES(-1);

    private static final String KNOWN = Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", "));

    private final int byteSize;

    DataType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element, or -1 for {@link #BYTES}. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFixedSize() {
        return byteSize > 0;
    }

    public String wireName() {
        return name();
    }

    public static DataType fromWire(String name) {
        if (name == null) {
            throw InferenceException.badInput("tensor datatype is missing; expected one of " + KNOWN);
        }
        try {
            return valueOf(name);
        } catch (IllegalArgumentException e) {
            throw InferenceException.badInput("unknown datatype '" + name + "'; expected one of " + KNOWN);
        }
    }
}
