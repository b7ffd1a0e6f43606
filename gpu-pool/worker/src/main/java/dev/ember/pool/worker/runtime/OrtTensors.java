package dev.ember.pool.worker.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.TensorInfo;
import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves tensors across the JNI boundary. Inputs backed by a direct buffer are handed to ONNX
 * Runtime in place; outputs are copied out once (ONNX Runtime frees its memory when the result is
 * closed). BYTES travel as Java strings, the only form the Java API takes: they must be UTF-8.
 */
final class OrtTensors {
    private OrtTensors() {}

    static OnnxTensor toOrt(OrtEnvironment env, Tensor t) throws OrtException {
        long[] shape = t.shape().toArray();
        if (t.datatype() == DataType.BYTES) {
            return OnnxTensor.createTensor(env, t.toStrings().toArray(new String[0]), shape);
        }
        ByteBuffer data = t.data();
        if (!data.isDirect()) { // ONNX Runtime copies heap buffers only for their own element type
            ByteBuffer direct = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            direct.put(data).flip();
            data = direct;
        }
        return OnnxTensor.createTensor(
                env,
                data,
                shape,
                OrtTypes.javaType(t.datatype())
                        .orElseThrow(() -> InferenceException.badInput("input '" + t.name() + "' is " + t.datatype()
                                + ", which ONNX Runtime's Java API cannot feed")));
    }

    static Tensor fromOrt(String name, OnnxValue value) throws OrtException {
        if (!(value instanceof OnnxTensor tensor)) {
            throw new InferenceException(
                    InferenceException.Reason.MODEL_ERROR,
                    "output '" + name + "' is a " + value.getType()
                            + ", not a tensor; Ember serves tensor outputs only");
        }
        TensorInfo info = tensor.getInfo();
        DataType type = OrtTypes.dataType(info.onnxType)
                .orElseThrow(() -> new InferenceException(
                        InferenceException.Reason.MODEL_ERROR,
                        "output '" + name + "' has element type " + info.onnxType + ", which Ember cannot return"));
        Shape shape = Shape.of(info.getShape());
        if (type == DataType.BYTES) {
            List<byte[]> elements = new ArrayList<>();
            flattenStrings(tensor.getValue(), elements);
            return Tensor.ofByteStrings(name, shape, elements);
        }
        ByteBuffer copy = tensor.getByteBuffer();
        if (copy.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalStateException("big-endian platforms are not supported");
        }
        return Tensor.of(name, type, shape, copy);
    }

    private static void flattenStrings(Object value, List<byte[]> out) {
        if (value instanceof String s) {
            out.add(s.getBytes(StandardCharsets.UTF_8));
        } else {
            for (int i = 0, n = Array.getLength(value); i < n; i++) {
                flattenStrings(Array.get(value, i), out);
            }
        }
    }
}
