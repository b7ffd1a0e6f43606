package dev.ember.models;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.platform.Fp16Conversions;
import java.nio.ByteBuffer;
import java.nio.ShortBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Round-trips every datatype through ONNX Runtime's Java API. It doubles as a record of how each
 * type has to be built and read there: FLOAT16 and UINT8 have no Java array type of their own, so
 * they go in as buffers tagged with an {@link OnnxJavaType}, and STRING goes in as Java strings.
 */
class IdentityTypesTest {

    private static final long[] SHAPE = {3, 2};

    @Test
    void everyDatatypeComesBackUnchanged() throws Exception {
        float[][] fp32 = {{1.5f, -0f}, {Float.MAX_VALUE, Float.MIN_VALUE}, {Float.NEGATIVE_INFINITY, 3e-7f}};
        short[] fp16Bits = {
            Fp16Conversions.floatToFp16(1.5f),
            (short) 0x8000, // -0
            (short) 0x7bff, // 65504, largest finite half
            (short) 0x0001, // smallest subnormal
            (short) 0xfc00, // -inf
            (short) 0x3555, // ~0.333
        };
        long[][] int64 = {{Long.MIN_VALUE, Long.MAX_VALUE}, {0, -1}, {1L << 40, 7}};
        int[][] int32 = {{Integer.MIN_VALUE, Integer.MAX_VALUE}, {0, -1}, {1 << 20, 7}};
        byte[] uint8 = {0, 1, 127, (byte) 128, (byte) 254, (byte) 255};
        boolean[][] bool = {{true, false}, {false, false}, {true, true}};
        String[] bytes = {"", "plain", "héllo wörld", "日本語", "emoji \uD83D\uDE00", "tab\tnew\nline"};

        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try (OrtSession session = OrtSessions.open("identity-types")) {
            inputs.put("fp32", OnnxTensor.createTensor(OrtSessions.ENV, fp32));
            inputs.put(
                    "fp16",
                    OnnxTensor.createTensor(OrtSessions.ENV, ShortBuffer.wrap(fp16Bits), SHAPE, OnnxJavaType.FLOAT16));
            inputs.put("int64", OnnxTensor.createTensor(OrtSessions.ENV, int64));
            inputs.put("int32", OnnxTensor.createTensor(OrtSessions.ENV, int32));
            inputs.put(
                    "uint8",
                    OnnxTensor.createTensor(OrtSessions.ENV, ByteBuffer.wrap(uint8), SHAPE, OnnxJavaType.UINT8));
            inputs.put("bool", OnnxTensor.createTensor(OrtSessions.ENV, bool));
            inputs.put("bytes", OnnxTensor.createTensor(OrtSessions.ENV, bytes, SHAPE));

            try (OrtSession.Result result = session.run(inputs)) {
                assertThat(result.get("fp32_out").orElseThrow().getValue()).isEqualTo(fp32);

                OnnxTensor fp16 = (OnnxTensor) result.get("fp16_out").orElseThrow();
                assertThat(fp16.getInfo().type).isEqualTo(OnnxJavaType.FLOAT16);
                assertThat(bits(fp16.getShortBuffer())).containsExactly(fp16Bits);
                // getValue() widens FLOAT16 to float[][]; the raw bits are only in getShortBuffer().
                assertThat(fp16.getValue()).isInstanceOf(float[][].class);
                assertThat(((float[][]) fp16.getValue())[0][0]).isEqualTo(1.5f);
                assertThat(((float[][]) fp16.getValue())[1][0]).isEqualTo(65504f);

                assertThat(result.get("int64_out").orElseThrow().getValue()).isEqualTo(int64);
                assertThat(result.get("int32_out").orElseThrow().getValue()).isEqualTo(int32);

                OnnxTensor u8 = (OnnxTensor) result.get("uint8_out").orElseThrow();
                assertThat(u8.getInfo().type).isEqualTo(OnnxJavaType.UINT8);
                byte[] u8Bytes = new byte[uint8.length];
                u8.getByteBuffer().get(u8Bytes);
                assertThat(u8Bytes).containsExactly(uint8);
                assertThat(Byte.toUnsignedInt(u8Bytes[5])).isEqualTo(255);

                assertThat(result.get("bool_out").orElseThrow().getValue()).isEqualTo(bool);

                String[][] strings =
                        (String[][]) result.get("bytes_out").orElseThrow().getValue();
                assertThat(strings).isEqualTo(new String[][] {
                    {bytes[0], bytes[1]}, {bytes[2], bytes[3]}, {bytes[4], bytes[5]}
                });
            }
        } finally {
            for (OnnxTensor tensor : inputs.values()) {
                tensor.close();
            }
        }
    }

    @Test
    void declaresEveryDatatypeWithBatchDimension() throws Exception {
        try (OrtSession session = OrtSessions.open("identity-types")) {
            Map<String, OnnxJavaType> expected = new LinkedHashMap<>();
            expected.put("fp32", OnnxJavaType.FLOAT);
            expected.put("fp16", OnnxJavaType.FLOAT16);
            expected.put("int64", OnnxJavaType.INT64);
            expected.put("int32", OnnxJavaType.INT32);
            expected.put("uint8", OnnxJavaType.UINT8);
            expected.put("bool", OnnxJavaType.BOOL);
            expected.put("bytes", OnnxJavaType.STRING);
            assertThat(session.getInputNames()).containsExactlyElementsOf(expected.keySet());
            for (Map.Entry<String, OnnxJavaType> e : expected.entrySet()) {
                TensorInfo in = OrtSessions.tensorInfo(session.getInputInfo().get(e.getKey()));
                TensorInfo out = OrtSessions.tensorInfo(session.getOutputInfo().get(e.getKey() + "_out"));
                assertThat(in.type).as(e.getKey()).isEqualTo(e.getValue());
                assertThat(out.type).as(e.getKey() + "_out").isEqualTo(e.getValue());
                assertThat(in.getShape()).containsExactly(-1L, 2L);
            }
        }
    }

    private static short[] bits(ShortBuffer buffer) {
        short[] out = new short[buffer.remaining()];
        buffer.get(out);
        return out;
    }
}
