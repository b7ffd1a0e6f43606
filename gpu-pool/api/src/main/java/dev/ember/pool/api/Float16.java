package dev.ember.pool.api;

/**
 * IEEE 754 half precision (FP16) and bfloat16 conversions with round-to-nearest-even. Java 17 has
 * no {@code Float.floatToFloat16}; these match it bit for bit.
 */
public final class Float16 {
    private Float16() {}

    public static float toFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal: mantissa in units of 2^-24
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs >= 0x7f800000) { // infinity or NaN (keep a quiet NaN)
            return (short) (sign | 0x7c00 | (abs > 0x7f800000 ? 0x200 | ((abs >>> 13) & 0x3ff) : 0));
        }
        if (abs >= 0x477ff000) { // ≥ 65520 rounds past the largest half (65504) to infinity
            return (short) (sign | 0x7c00);
        }
        if (abs < 0x38800000) { // below 2^-14: a half subnormal or zero
            if (abs < 0x33000000) { // below 2^-25: rounds to zero (2^-25 itself ties to even zero below)
                return (short) sign;
            }
            int exp = abs >>> 23;
            int mant = (abs & 0x7fffff) | 0x800000;
            int shift = 126 - exp; // value in units of 2^-24 is mant * 2^(exp - 126)
            return (short) (sign | roundShift(mant, shift));
        }
        // Normal: rebias the exponent (127 → 15) and drop 13 mantissa bits, rounding to even.
        return (short) (sign | roundShift(abs - 0x38000000, 13));
    }

    public static float bf16ToFloat(short bf16) {
        return Float.intBitsToFloat((bf16 & 0xffff) << 16);
    }

    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40); // quiet NaN
        }
        return (short) roundShift(bits, 16);
    }

    private static int roundShift(int value, int shift) {
        int kept = value >>> shift;
        int rest = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rest > half || (rest == half && (kept & 1) != 0)) {
            kept++;
        }
        return kept;
    }
}
