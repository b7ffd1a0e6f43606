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
 *
 * <p>Every value is checked against its datatype, and one that does not fit is a 400 naming the
 * tensor and the element's index (flat, row-major): a number past the type's range ({@code 1e999}
 * or {@code 3.5e38} for FP32, {@code 70000} for FP16, {@code 300} for INT8, {@code -1} for UINT8), a
 * fraction for an integer type, a non-number. Nothing is clamped or rounded to infinity. Values
 * JSON numbers cannot spell are accepted for float types only, spelled {@code NaN}, {@code
 * Infinity} or {@code -Infinity}, bare (as Python's {@code json} and Triton write them) or as JSON
 * strings (as Ember's codec writes them back).
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
            case FP32 -> sink.putFloat(toFloat32(p, readFloating(p, t)));
            case FP64 -> sink.putDouble(readFloating(p, t));
            case FP16 -> sink.putShort(toHalf(p, readFloating(p, t), false));
            case BF16 -> sink.putShort(toHalf(p, readFloating(p, t), true));
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

    /**
     * The element as a double: a JSON number, or NaN or an infinity spelled as the class comment
     * says. A number too large for a double ({@code 1e999}) is out of range, never infinity.
     */
    private double readFloating(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
            double d = p.getDoubleValue();
            if (Double.isFinite(d)) {
                return d;
            }
            // Rare: only here is the text looked at. Jackson parses bare NaN and infinities
            // (ALLOW_NON_NUMERIC_NUMBERS) into the same token type as numbers.
            String text = p.getText();
            if (isNumeral(text)) {
                throw outOfRange(p, type);
            }
            return nonFinite(text, p, t);
        }
        if (t == JsonToken.VALUE_STRING) {
            return nonFinite(p.getText(), p, t);
        }
        throw notA("a number", p, t);
    }

    private double nonFinite(String text, JsonParser p, JsonToken t) throws IOException {
        return switch (text) {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default ->
                throw bad("element " + sink.elements() + " is " + quoted(text, t)
                        + ", not a number (NaN and infinities are spelled NaN, Infinity, -Infinity)");
        };
    }

    private float toFloat32(JsonParser p, double d) throws IOException {
        float f = (float) d;
        if (Float.isInfinite(f) && !Double.isInfinite(d)) {
            throw outOfRange(p, DataType.FP32);
        }
        return f;
    }

    /** FP16 or BF16 bits of {@code d}; a finite value the type cannot hold is out of range. */
    private short toHalf(JsonParser p, double d, boolean bf16) throws IOException {
        float f = roundToOdd(d);
        short h = bf16 ? Float16.floatToBf16(f) : Float16.fromFloat(f);
        int infinity = bf16 ? 0x7f80 : 0x7c00;
        if ((h & 0x7fff) == infinity && !Double.isInfinite(d)) {
            throw outOfRange(p, type);
        }
        return h;
    }

    /** True for the text of a JSON number (as opposed to NaN or Infinity, which Jackson also reads). */
    private static boolean isNumeral(String text) {
        int i = text.startsWith("-") || text.startsWith("+") ? 1 : 0;
        return i < text.length() && Character.isDigit(text.charAt(i));
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
            if (Double.isNaN(d) || (Double.isFinite(d) && d != Math.rint(d))) {
                throw bad("element " + sink.elements() + " is " + p.getText() + ", not an integer");
            }
            if (d < min || d > max) { // also 1e999 and Infinity
                throw outOfRange(p, min, max);
            }
            if (Math.abs(d) > 0x1p53) { // past 2^53 a double skips integers: 1e17 may not be what was meant
                throw bad("element " + sink.elements() + " is " + p.getText()
                        + ", too large to be exact in floating-point notation: write it as an integer literal");
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

    private InferenceException outOfRange(JsonParser p, DataType floatType) throws IOException {
        String max = switch (floatType) {
            case FP16 -> "65504";
            case BF16 -> "3.3895314e38";
            case FP32 -> "3.4028235e38";
            default -> "1.7976931348623157e308";
        };
        return bad("element " + sink.elements() + " is " + p.getText() + ", outside " + floatType + " range [-" + max
                + ", " + max + "]");
    }

    private static String quoted(String text, JsonToken t) {
        return t == JsonToken.VALUE_STRING ? "\"" + text + "\"" : text;
    }

    private InferenceException notA(String what, JsonParser p, JsonToken t) throws IOException {
        String found = t.isScalarValue() ? p.getText() : t.asString();
        return bad("element " + sink.elements() + " is " + found + ", not " + what);
    }

    private InferenceException bad(String detail) {
        return InferenceException.badInput(tensor + " is " + type + " but " + detail);
    }
}
