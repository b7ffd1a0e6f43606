package dev.ember.models;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A constant tensor (graph initializer). Data is kept as the little-endian bytes that go into
 * {@code raw_data}, so writing it is a copy and the file is the same on every platform.
 */
public record Tensor(String name, DataType type, List<Long> dims, ByteString rawData) {

    public Tensor {
        dims = List.copyOf(dims);
        long count = dims.stream().reduce(1L, Math::multiplyExact);
        int width = width(type);
        if (rawData.size() != count * width) {
            throw new IllegalArgumentException(
                    name + ": " + rawData.size() + " bytes do not fill dims " + dims + " of " + type);
        }
    }

    public static Tensor floats(String name, List<Long> dims, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return new Tensor(name, DataType.FLOAT, dims, ByteString.copyFrom(buf.array()));
    }

    public static Tensor longs(String name, List<Long> dims, long[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            buf.putLong(v);
        }
        return new Tensor(name, DataType.INT64, dims, ByteString.copyFrom(buf.array()));
    }

    private static int width(DataType type) {
        return switch (type) {
            case FLOAT, INT32 -> 4;
            case INT64 -> 8;
            case FLOAT16 -> 2;
            case UINT8, BOOL -> 1;
            // onnx.proto forbids raw_data for strings; they would need string_data instead.
            case STRING -> throw new IllegalArgumentException("string initializers are not supported");
        };
    }
}
