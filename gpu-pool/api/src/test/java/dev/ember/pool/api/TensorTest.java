package dev.ember.pool.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TensorTest {
    private static final long[] TWO_BY_TWO = {2, 2};

    @Test
    void floatsRoundTrip() {
        Tensor t = Tensor.ofFloats("x", TWO_BY_TWO, 1.5f, -0.0f, Float.MAX_VALUE, Float.NaN);
        assertThat(t.name()).isEqualTo("x");
        assertThat(t.datatype()).isEqualTo(DataType.FP32);
        assertThat(t.shape()).isEqualTo(Shape.of(2, 2));
        assertThat(t.elementCount()).isEqualTo(4);
        assertThat(t.byteSize()).isEqualTo(16);
        assertThat(t.toFloats()).containsExactly(1.5f, -0.0f, Float.MAX_VALUE, Float.NaN);
        assertThat(Float.floatToRawIntBits(t.toFloats()[1])).isEqualTo(0x80000000);
    }

    @Test
    void elementsAreLittleEndian() {
        assertThat(Tensor.ofInts("x", new long[] {1}, 0x01020304).toBytes()).containsExactly(4, 3, 2, 1);
        assertThat(Tensor.ofFloats("x", new long[] {1}, 1.0f).toBytes()).containsExactly(0, 0, 0x80, 0x3f);
        assertThat(Tensor.ofHalfs("x", new long[] {1}, 1.0f).toBytes()).containsExactly(0x00, 0x3c);
        assertThat(Tensor.ofLongs("x", new long[] {1}, 1L).toBytes()).containsExactly(1, 0, 0, 0, 0, 0, 0, 0);
    }

    @Test
    void doublesLongsIntsRoundTrip() {
        assertThat(Tensor.ofDoubles("d", new long[] {3}, Math.PI, Double.MIN_VALUE, -1e300)
                        .toDoubles())
                .containsExactly(Math.PI, Double.MIN_VALUE, -1e300);
        assertThat(Tensor.ofLongs("l", new long[] {3}, Long.MIN_VALUE, 0, Long.MAX_VALUE)
                        .toLongs())
                .containsExactly(Long.MIN_VALUE, 0, Long.MAX_VALUE);
        assertThat(Tensor.ofInts("i", new long[] {1, 3}, Integer.MIN_VALUE, 7, Integer.MAX_VALUE)
                        .toInts())
                .containsExactly(Integer.MIN_VALUE, 7, Integer.MAX_VALUE);
    }

    @Test
    void halfsAreRoundedToHalfPrecision() {
        Tensor t = Tensor.ofHalfs("h", new long[] {4}, 1.0f, 65504f, 0x1p-24f, 0.1f);
        assertThat(t.datatype()).isEqualTo(DataType.FP16);
        assertThat(t.byteSize()).isEqualTo(8);
        assertThat(t.toFloats()).containsExactly(1.0f, 65504f, 0x1p-24f, Float16.toFloat(Float16.fromFloat(0.1f)));
        assertThat(t.toFloats()[3]).isNotEqualTo(0.1f).isCloseTo(0.1f, org.assertj.core.data.Offset.offset(1e-4f));
    }

    @Test
    void bf16BytesReadBackAsFloats() {
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(Float16.floatToBf16(1.0f))
                .putShort(Float16.floatToBf16(-3.0f))
                .flip();
        Tensor t = Tensor.of("b", DataType.BF16, Shape.of(2), b);
        assertThat(t.toFloats()).containsExactly(1.0f, -3.0f);
    }

    @Test
    void uint8BoolsAndStringsRoundTrip() {
        assertThat(Tensor.ofUint8("u", new long[] {3}, (byte) 0, (byte) 255, (byte) 7)
                        .toBytes())
                .containsExactly(0, 255, 7);
        assertThat(Tensor.ofBools("b", new long[] {3}, true, false, true).toBools())
                .containsExactly(true, false, true);
        Tensor s = Tensor.ofStrings("s", new long[] {2, 2}, "héllo", "", "日本語", "🙂");
        assertThat(s.datatype()).isEqualTo(DataType.BYTES);
        assertThat(s.elementCount()).isEqualTo(4);
        assertThat(s.toStrings()).containsExactly("héllo", "", "日本語", "🙂");
        // 4-byte length then UTF-8 bytes: "héllo" is 6 bytes.
        assertThat(s.byteSize()).isEqualTo(4 * 4 + 6 + 0 + 9 + 4);
        assertThat(s.toBytes()).startsWith(6, 0, 0, 0, 'h', 0xc3, 0xa9);
    }

    @Test
    void byteStringsKeepArbitraryBytes() {
        byte[] raw = {0, (byte) 0xff, (byte) 0x80};
        Tensor t = Tensor.ofByteStrings("raw", Shape.of(2), List.of(raw, new byte[0]));
        assertThat(t.toByteStrings()).containsExactly(raw, new byte[0]);
    }

    @Test
    void uint8FactoryCopiesItsArgument() {
        byte[] values = {1, 2};
        Tensor t = Tensor.ofUint8("u", new long[] {2}, values);
        values[0] = 9;
        assertThat(t.toBytes()).containsExactly(1, 2);
    }

    @ParameterizedTest
    @EnumSource(
            value = DataType.class,
            names = {"BYTES"},
            mode = EnumSource.Mode.EXCLUDE)
    void anyFixedSizeTypeWrapsExactlyShapeTimesElementSizeBytes(DataType type) {
        byte[] bytes = new byte[6 * type.byteSize()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        Tensor t = Tensor.of("x", type, Shape.of(2, 3), ByteBuffer.wrap(bytes));
        assertThat(t.toBytes()).isEqualTo(bytes);
        assertThat(t.elementCount()).isEqualTo(6);

        assertThatThrownBy(() -> Tensor.of("x", type, Shape.of(2, 3), ByteBuffer.wrap(bytes, 0, bytes.length - 1)))
                .isInstanceOfSatisfying(
                        InferenceException.class,
                        e -> assertThat(e.reason()).isEqualTo(InferenceException.Reason.BAD_INPUT));
    }

    @Test
    void wrongByteCountNamesTensorShapeAndCounts() {
        assertThatThrownBy(() -> Tensor.of("pixels", DataType.FP32, Shape.of(2, 3), ByteBuffer.allocate(20)))
                .isInstanceOfSatisfying(InferenceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(InferenceException.Reason.BAD_INPUT);
                    assertThat(e.getMessage())
                            .contains("'pixels'", "[2, 3]", "6 FP32 elements", "24 bytes", "20 bytes", "5 elements");
                });
    }

    @Test
    void factoryWithTooFewValuesFails() {
        assertThatThrownBy(() -> Tensor.ofFloats("x", TWO_BY_TWO, 1f, 2f, 3f))
                .isInstanceOfSatisfying(
                        InferenceException.class,
                        e -> assertThat(e.getMessage()).contains("'x'", "[2, 2]", "12 bytes"));
    }

    @Test
    void shapeThatOverflowsWhenCountedInBytesIsRejected() {
        // 2^61 FP64 elements are 2^64 bytes: wrapping the multiplication would make that 0 bytes.
        assertThatThrownBy(() -> Tensor.of("x", DataType.FP64, Shape.of(1L << 61), ByteBuffer.allocate(0)))
                .isInstanceOfSatisfying(InferenceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(InferenceException.Reason.BAD_INPUT);
                    assertThat(e.getMessage()).contains("'x'", "[" + (1L << 61) + "]");
                });
    }

    @Test
    void shapesMustBeConcreteAndFitALong() {
        assertThatThrownBy(() -> Tensor.of("x", DataType.FP32, Shape.of(-1, 2), ByteBuffer.allocate(8)))
                .isInstanceOfSatisfying(
                        InferenceException.class,
                        e -> assertThat(e.getMessage()).contains("'x'", "-1"));
        assertThatThrownBy(() -> Shape.of(2, -2))
                .isInstanceOfSatisfying(
                        InferenceException.class,
                        e -> assertThat(e.getMessage()).contains("negative"));
        assertThatThrownBy(() -> Shape.of(1L << 40, 1L << 40).elementCount())
                .isInstanceOfSatisfying(
                        InferenceException.class,
                        e -> assertThat(e.reason()).isEqualTo(InferenceException.Reason.BAD_INPUT));
    }

    @Test
    void scalarHasOneElement() {
        Tensor t = Tensor.ofFloats("s", new long[0], 2.5f);
        assertThat(t.shape().rank()).isZero();
        assertThat(t.elementCount()).isEqualTo(1);
        assertThat(t.toFloats()).containsExactly(2.5f);
    }

    @Test
    void bytesElementCountMustMatchShape() {
        assertThatThrownBy(() -> Tensor.ofStrings("words", new long[] {3}, "a", "b"))
                .isInstanceOfSatisfying(InferenceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(InferenceException.Reason.BAD_INPUT);
                    assertThat(e.getMessage()).contains("'words'", "[3]", "3 elements", "2 BYTES elements");
                });
    }

    @Test
    void bytesDataEndingInsideALengthIsRejected() {
        ByteBuffer b = le(7).putInt(1).put((byte) 'a').put(new byte[2]).flip();
        assertThatThrownBy(() -> Tensor.of("words", DataType.BYTES, Shape.of(2), b))
                .isInstanceOfSatisfying(InferenceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(InferenceException.Reason.BAD_INPUT);
                    assertThat(e.getMessage()).contains("'words'", "inside an element length");
                });
    }

    @Test
    void bytesElementLongerThanTheDataIsRejected() {
        ByteBuffer b = le(7).putInt(10).put(new byte[3]).flip();
        assertThatThrownBy(() -> Tensor.of("words", DataType.BYTES, Shape.of(1), b))
                .isInstanceOfSatisfying(
                        InferenceException.class,
                        e -> assertThat(e.getMessage()).contains("'words'", "length 10", "past the end"));
        ByteBuffer negative = le(4).putInt(-1).flip();
        assertThatThrownBy(() -> Tensor.of("words", DataType.BYTES, Shape.of(1), negative))
                .isInstanceOfSatisfying(
                        InferenceException.class,
                        e -> assertThat(e.getMessage()).contains("length -1"));
    }

    @Test
    void wrapsOnlyFromPositionToLimit() {
        ByteBuffer b = le(16).putFloat(9f).putFloat(1f).putFloat(2f).putFloat(9f);
        b.position(4).limit(12);
        Tensor t = Tensor.of("x", DataType.FP32, Shape.of(2), b);
        assertThat(t.toFloats()).containsExactly(1f, 2f);
        assertThat(t).isEqualTo(Tensor.ofFloats("x", new long[] {2}, 1f, 2f));
    }

    @Test
    void dataIsAReadOnlyViewAtPositionZero() {
        Tensor t = Tensor.ofInts("x", new long[] {2}, 1, 2);
        ByteBuffer first = t.data();
        first.getInt();
        assertThat(t.data().position()).isZero();
        assertThat(t.data().order()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> t.data().putInt(0, 5)).isInstanceOf(ReadOnlyBufferException.class);
        assertThat(t.toInts()).containsExactly(1, 2);
    }

    @Test
    void equalityIsByContent() {
        Tensor a = Tensor.ofFloats("x", TWO_BY_TWO, 1, 2, 3, 4);
        ByteBuffer bytes =
                le(16).putFloat(1).putFloat(2).putFloat(3).putFloat(4).flip();
        Tensor b = Tensor.of("x", DataType.FP32, Shape.of(2, 2), bytes);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a).isNotEqualTo(a.withName("y"));
        assertThat(a).isNotEqualTo(Tensor.ofFloats("x", new long[] {4}, 1, 2, 3, 4));
        assertThat(a).isNotEqualTo(Tensor.ofFloats("x", TWO_BY_TWO, 1, 2, 3, 5));
        assertThat(a).isNotEqualTo(Tensor.ofInts("x", TWO_BY_TWO, 1, 2, 3, 4));
        assertThat(a).isNotEqualTo(a.withParameters(Parameters.of("k", 1)));
        assertThat(a.withParameters(Parameters.of("k", 1))).isEqualTo(b.withParameters(Parameters.of("k", 1L)));
    }

    @Test
    void withNameAndWithParametersKeepTheData() {
        Tensor a = Tensor.ofLongs("x", new long[] {2}, 5, 6);
        Tensor renamed = a.withName("y").withParameters(Parameters.of("note", "n"));
        assertThat(renamed.name()).isEqualTo("y");
        assertThat(renamed.parameters().string("note")).contains("n");
        assertThat(renamed.toLongs()).containsExactly(5, 6);
        assertThat(a.name()).isEqualTo("x");
    }

    @Test
    void typedAccessorsRefuseOtherTypes() {
        Tensor ints = Tensor.ofInts("x", new long[] {1}, 1);
        assertThatThrownBy(ints::toFloats)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'x'");
        assertThatThrownBy(ints::toLongs).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(ints::toStrings).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Tensor.ofFloats("f", new long[] {1}, 1f).toInts())
                .isInstanceOf(IllegalStateException.class);
    }

    private static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }
}
