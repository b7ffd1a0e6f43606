package dev.ember.models;

/** ONNX element types, numbered as {@code TensorProto.DataType} in onnx.proto. */
public enum DataType {
    FLOAT(1),
    UINT8(2),
    INT32(6),
    INT64(7),
    STRING(8),
    BOOL(9),
    FLOAT16(10);

    private final int code;

    DataType(int code) {
        this.code = code;
    }

    /** The number written to {@code data_type} and {@code elem_type}. */
    public int code() {
        return code;
    }
}
