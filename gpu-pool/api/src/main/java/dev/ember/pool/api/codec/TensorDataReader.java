package dev.ember.pool.api.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.ember.pool.api.DataType;
import dev.ember.pool.api.Float16;
import dev.ember.pool.api.InferenceException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * Reads a tensor's JSON {@code data} array (flat or nested, row-major) straight into
 * little-endian bytes: no boxed element, no intermediate list. Integers written as {@code 1.0}
 * are accepted for integer types, and {@code 1} for float types, so both spellings decode to the
 * same bytes.
 */
final class TensorDataReader {
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private final String tensor;
    private final DataType type;
    private final ByteSink sink;

    private TensorDataReader(String tensor, DataType type, long expectedBytes) {
        this.tensor = tensor;
        this.type = type;
        this.sink = new ByteSink(expectedBytes);
    }

    /**
     * Reads the array the parser is positioned on (START_ARRAY) and leaves it on the matching
     * END_ARRAY; {@code tensor} names it in messages, e.g. {@code input 'x'} or {@code output #0}.
     * {@code expectedBytes} is the size the shape claims, or -1 if unknown.
     */
    static ByteSink read(JsonParser p, String tensor, DataType type, long expectedBytes) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw InferenceException.badInput("data of " + tensor + " must be a JSON array");
        }
        TensorDataReader reader = new TensorDataReader(tensor, type, expectedBytes);
        reader.readArray(p);
        return reader.sink;
    }

    private void readArray(JsonParser p) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == JsonToken.START_ARRAY) {
                readArray(p);
            } else if (t == null) {
                throw InferenceException.badInput("data of " + tensor + " ends early");
            } else {
                readElement(p, t);
            }
        }
    }

    private void readElement(JsonParser p, JsonToken t) throws IOException {
        switch (type) {
            case FP32 -> sink.putFloat((float) readFloating(p, t));
            case FP64 -> sink.putDouble(readFloating(p, t));
            case FP16 -> sink.putShort(Float16.fromFloat(roundToOdd(readFloating(p, t))));
            case BF16 -> sink.putShort(Float16.floatToBf16(roundToOdd(readFloating(p, t))));
            case INT8 -> sink.putByte((byte) readIntegral(p, t, Byte.MIN_VALUE, Byte.MAX_VALUE));
            case UINT8 -> sink.putByte((byte) readIntegral(p, t, 0, 255));
            case INT16 -> sink.putShort((short) readIntegral(p, t, Short.MIN_VALUE, Short.MAX_VALUE));
            case UINT16 -> sink.putShort((short) readIntegral(p, t, 0, 65535));
            case INT32 -> sink.putInt((int) readIntegral(p, t, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case UINT32 -> sink.putInt((int) readIntegral(p, t, 0, 0xffffffffL));
            case INT64 -> sink.putLong(readIntegral(p, t, Long.MIN_VALUE, Long.MAX_VALUE));
            case UINT64 -> sink.putLong(readUint64(p, t));
            case BOOL -> sink.putByte(readBool(p, t));
            case BYTES -> sink.putByteString(readString(p, t));
        }
    }

    private double readFloating(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
            return p.getDoubleValue();
        }
        if (t == JsonToken.VALUE_STRING) { // NaN and infinities, which JSON numbers cannot spell
            switch (p.getText()) {
                case "NaN":
                    return Double.NaN;
                case "Infinity", "+Infinity", "inf":
                    return Double.POSITIVE_INFINITY;
                case "-Infinity", "-inf":
                    return Double.NEGATIVE_INFINITY;
                default:
                    break;
            }
        }
        throw notA("a number", p, t);
    }

    /**
     * The float nearest {@code d}, except that an inexact result goes to whichever neighbour has an
     * odd last bit ("round to odd"). Rounding that float to FP16 or BF16, which keep far fewer bits,
     * then gives the same result as rounding {@code d} directly. Plain {@code (float) d} can land
     * exactly on a tie of the narrower type: 1 + 2^-11 + 2^-30 becomes 1 + 2^-11, which FP16 rounds
     * down to 1, though the value lies above the halfway point and must round up to 1 + 2^-10.
     */
    private static float roundToOdd(double d) {
        float f = (float) d;
        if (f != d && !Float.isNaN(f) && (Float.floatToRawIntBits(f) & 1) == 0) {
            f = d > f ? Math.nextUp(f) : Math.nextDown(f);
        }
        return f;
    }

    private long readIntegral(JsonParser p, JsonToken t, long min, long max) throws IOException {
        long v;
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            v = p.getLongValue();
        } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            double d = p.getDoubleValue();
            if (d != Math.rint(d) || Math.abs(d) > 0x1p53) {
                throw bad("element " + sink.elements() + " is " + p.getText() + ", not an integer");
            }
            v = (long) d;
        } else if (t == JsonToken.VALUE_NUMBER_INT) {
            throw outOfRange(p, min, max);
        } else {
            throw notA("an integer", p, t);
        }
        if (v < min || v > max) {
            throw outOfRange(p, min, max);
        }
        return v;
    }

    private long readUint64(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            BigInteger v = p.getBigIntegerValue();
            if (v.signum() < 0 || v.compareTo(UINT64_MAX) > 0) {
                throw bad("element " + sink.elements() + " is " + v + ", outside UINT64");
            }
            return v.longValue();
        }
        return readIntegral(p, t, 0, Long.MAX_VALUE);
    }

    private byte readBool(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_TRUE) {
            return 1;
        }
        if (t == JsonToken.VALUE_FALSE) {
            return 0;
        }
        if (t == JsonToken.VALUE_NUMBER_INT && (p.getLongValue() == 0 || p.getLongValue() == 1)) {
            return (byte) p.getLongValue();
        }
        throw notA("a boolean", p, t);
    }

    private byte[] readString(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_STRING) {
            throw notA("a string", p, t);
        }
        return p.getText().getBytes(StandardCharsets.UTF_8);
    }

    private InferenceException outOfRange(JsonParser p, long min, long max) throws IOException {
        String range = type == DataType.UINT64 ? "[0, 18446744073709551615]" : "[" + min + ", " + max + "]";
        return bad("element " + sink.elements() + " is " + p.getText() + ", outside " + type + " range " + range);
    }

    private InferenceException notA(String what, JsonParser p, JsonToken t) throws IOException {
        String found = t.isScalarValue() ? p.getText() : t.asString();
        return bad("element " + sink.elements() + " is " + found + ", not " + what);
    }

    private InferenceException bad(String detail) {
        return InferenceException.badInput(tensor + " is " + type + " but " + detail);
    }
}
