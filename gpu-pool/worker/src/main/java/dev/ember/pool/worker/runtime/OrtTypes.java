package dev.ember.pool.worker.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.TensorInfo.OnnxTensorType;
import dev.ember.pool.api.DataType;
import java.util.Optional;

/** Element types between the protocol and ONNX Runtime. */
final class OrtTypes {
    private OrtTypes() {}

    static Optional<DataType> dataType(OnnxTensorType t) {
        return Optional.ofNullable(
                switch (t) {
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL -> DataType.BOOL;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8 -> DataType.UINT8;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16 -> DataType.UINT16;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32 -> DataType.UINT32;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64 -> DataType.UINT64;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8 -> DataType.INT8;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16 -> DataType.INT16;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 -> DataType.INT32;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64 -> DataType.INT64;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16 -> DataType.FP16;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16 -> DataType.BF16;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT -> DataType.FP32;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE -> DataType.FP64;
                    case ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING -> DataType.BYTES;
                    default -> null;
                });
    }

    /**
     * The Java-side type ONNX Runtime's Java API creates tensors of; empty for the unsigned
     * 16/32/64-bit types, which that API cannot feed.
     */
    static Optional<OnnxJavaType> javaType(DataType t) {
        return Optional.ofNullable(
                switch (t) {
                    case BOOL -> OnnxJavaType.BOOL;
                    case UINT8 -> OnnxJavaType.UINT8;
                    case INT8 -> OnnxJavaType.INT8;
                    case INT16 -> OnnxJavaType.INT16;
                    case INT32 -> OnnxJavaType.INT32;
                    case INT64 -> OnnxJavaType.INT64;
                    case FP16 -> OnnxJavaType.FLOAT16;
                    case BF16 -> OnnxJavaType.BFLOAT16;
                    case FP32 -> OnnxJavaType.FLOAT;
                    case FP64 -> OnnxJavaType.DOUBLE;
                    case BYTES -> OnnxJavaType.STRING;
                    case UINT16, UINT32, UINT64 -> null;
                });
    }
}
