package dev.ember.pool.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Float16Test {

    @Test
    void everyHalfConvertsToItsExactValueAndBackToTheSameBits() {
        for (int bits = 0; bits <= 0xffff; bits++) {
            short half = (short) bits;
            float f = Float16.toFloat(half);
            if (isHalfNaN(bits)) {
                assertThat(f).as("0x%04x", bits).isNaN();
                assertThat(isHalfNaN(Float16.fromFloat(f) & 0xffff))
                        .as("0x%04x stays NaN", bits)
                        .isTrue();
                continue;
            }
            assertThat(f).as("0x%04x", bits).isEqualTo(referenceValue(bits));
            assertThat(Float16.fromFloat(f)).as("0x%04x", bits).isEqualTo(half);
        }
    }

    @Test
    void knownValues() {
        assertThat(Float16.fromFloat(1.0f)).isEqualTo((short) 0x3C00);
        assertThat(Float16.fromFloat(-2.0f)).isEqualTo((short) 0xC000);
        assertThat(Float16.fromFloat(0.0f)).isEqualTo((short) 0x0000);
        assertThat(Float16.fromFloat(-0.0f)).isEqualTo((short) 0x8000);
        assertThat(Float16.fromFloat(65504f)).isEqualTo((short) 0x7BFF);
        assertThat(Float16.toFloat((short) 0x7BFF)).isEqualTo(65504f);
        assertThat(Float16.fromFloat(Float.POSITIVE_INFINITY)).isEqualTo((short) 0x7C00);
        assertThat(Float16.fromFloat(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xFC00);
    }

    @Test
    void overflowRoundsToInfinityFrom65520() {
        assertThat(Float16.fromFloat(65519.996f)).isEqualTo((short) 0x7BFF);
        assertThat(Float16.fromFloat(65520f)).isEqualTo((short) 0x7C00);
        assertThat(Float16.fromFloat(-65520f)).isEqualTo((short) 0xFC00);
        assertThat(Float16.fromFloat(1e10f)).isEqualTo((short) 0x7C00);
        assertThat(Float16.fromFloat(Float.MAX_VALUE)).isEqualTo((short) 0x7C00);
    }

    @Test
    void subnormalsRoundToNearestEven() {
        float smallest = 0x1p-24f;
        assertThat(Float16.fromFloat(smallest)).isEqualTo((short) 0x0001);
        assertThat(Float16.toFloat((short) 0x0001)).isEqualTo(smallest);
        // 2^-25 lies halfway between 0 and 2^-24: ties go to the even one, zero.
        assertThat(Float16.fromFloat(0x1p-25f)).isEqualTo((short) 0x0000);
        assertThat(Float16.fromFloat(-0x1p-25f)).isEqualTo((short) 0x8000);
        assertThat(Float16.fromFloat(Math.nextUp(0x1p-25f))).isEqualTo((short) 0x0001);
        assertThat(Float16.fromFloat(Math.nextDown(0x1p-25f))).isEqualTo((short) 0x0000);
        // 1.5 * 2^-24 is a tie between 1 and 2 units: the even one, 2.
        assertThat(Float16.fromFloat(0x1.8p-24f)).isEqualTo((short) 0x0002);
        // 2.5 units: tie between 2 and 3, goes to 2.
        assertThat(Float16.fromFloat(0x1.4p-23f)).isEqualTo((short) 0x0002);
        assertThat(Float16.fromFloat(Float.MIN_VALUE)).isEqualTo((short) 0x0000);
        // The largest subnormal rounds up into the smallest normal, 2^-14.
        assertThat(Float16.fromFloat(Math.nextDown(0x1p-14f))).isEqualTo((short) 0x0400);
    }

    @Test
    void normalTiesRoundToEven() {
        // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: 1's mantissa is even.
        assertThat(Float16.fromFloat(1f + 0x1p-11f)).isEqualTo((short) 0x3C00);
        // 1 + 3 * 2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
        assertThat(Float16.fromFloat(1f + 3 * 0x1p-11f)).isEqualTo((short) 0x3C02);
        assertThat(Float16.toFloat((short) 0x3C02)).isEqualTo(1f + 0x1p-9f);
        assertThat(Float16.fromFloat(Math.nextUp(1f + 0x1p-11f))).isEqualTo((short) 0x3C01);
        assertThat(Float16.fromFloat(Math.nextDown(1f + 3 * 0x1p-11f))).isEqualTo((short) 0x3C01);
    }

    @Test
    void fromFloatPicksTheNearestHalfForTiesAndRandomValues() {
        // Every tie, just-below and just-above pattern for every exponent a half can reach...
        for (int exp = 100; exp <= 143; exp++) {
            for (int high = 0; high < 1 << 10; high++) {
                for (int low : new int[] {0, 1, 0xfff, 0x1000, 0x1001, 0x1fff}) {
                    int bits = (exp << 23) | (high << 13) | low;
                    checkNearest(Float.intBitsToFloat(bits));
                    checkNearest(-Float.intBitsToFloat(bits));
                }
            }
        }
        // ...and a spread of arbitrary floats in and around the half range.
        SplittableRandom random = new SplittableRandom(16);
        for (int i = 0; i < 200_000; i++) {
            checkNearest(Float.intBitsToFloat(random.nextInt(0x32000000, 0x48000000)));
        }
    }

    @Test
    void nanStaysNaN() {
        assertThat(Float16.toFloat(Float16.fromFloat(Float.NaN))).isNaN();
        // A NaN whose payload lives only in the low float bits must not turn into infinity.
        float lowPayloadNaN = Float.intBitsToFloat(0x7f800001);
        assertThat(Float16.toFloat(Float16.fromFloat(lowPayloadNaN))).isNaN();
        assertThat(Float16.toFloat(Float16.fromFloat(-lowPayloadNaN))).isNaN();
    }

    @Test
    void bf16KeepsTheTopSixteenBitsRoundedToNearestEven() {
        assertThat(Float16.floatToBf16(1.0f)).isEqualTo((short) 0x3F80);
        assertThat(Float16.floatToBf16(-2.0f)).isEqualTo((short) 0xC000);
        // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even, 1.
        assertThat(Float16.floatToBf16(1f + 0x1p-8f)).isEqualTo((short) 0x3F80);
        // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
        assertThat(Float16.floatToBf16(1f + 3 * 0x1p-8f)).isEqualTo((short) 0x3F82);
        assertThat(Float16.floatToBf16(Math.nextUp(1f + 0x1p-8f))).isEqualTo((short) 0x3F81);
        assertThat(Float16.floatToBf16(Float.MAX_VALUE)).isEqualTo((short) 0x7F80);
        assertThat(Float16.floatToBf16(-Float.MAX_VALUE)).isEqualTo((short) 0xFF80);
        assertThat(Float16.bf16ToFloat((short) 0x3F80)).isEqualTo(1.0f);
        assertThat(Float16.bf16ToFloat((short) 0x7F80)).isEqualTo(Float.POSITIVE_INFINITY);
    }

    @Test
    void everyBf16ConvertsToFloatAndBack() {
        for (int bits = 0; bits <= 0xffff; bits++) {
            float f = Float16.bf16ToFloat((short) bits);
            assertThat(Float.floatToRawIntBits(f)).isEqualTo(bits << 16);
            if (Float.isNaN(f)) {
                assertThat(Float16.bf16ToFloat(Float16.floatToBf16(f))).isNaN();
            } else {
                assertThat(Float16.floatToBf16(f)).as("0x%04x", bits).isEqualTo((short) bits);
            }
        }
    }

    @Test
    void bf16NaNStaysNaN() {
        assertThat(Float16.bf16ToFloat(Float16.floatToBf16(Float.NaN))).isNaN();
        assertThat(Float16.bf16ToFloat(Float16.floatToBf16(Float.intBitsToFloat(0x7f800001))))
                .isNaN();
        assertThat(Float16.bf16ToFloat(Float16.floatToBf16(Float.intBitsToFloat(0xff80ffff))))
                .isNaN();
    }

    private static boolean isHalfNaN(int bits) {
        return (bits & 0x7c00) == 0x7c00 && (bits & 0x3ff) != 0;
    }

    /** The half's value computed from its fields, independently of {@link Float16#toFloat}. */
    private static float referenceValue(int bits) {
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        double magnitude;
        if (exp == 0x1f) {
            magnitude = Double.POSITIVE_INFINITY;
        } else if (exp == 0) {
            magnitude = Math.scalb((double) mant, -24);
        } else {
            magnitude = Math.scalb(1024.0 + mant, exp - 25);
        }
        return (float) ((bits & 0x8000) != 0 ? -magnitude : magnitude);
    }

    /** Checks fromFloat against a search over all finite halves, ties to the even bit pattern. */
    private static void checkNearest(float f) {
        double x = Math.abs((double) f);
        int lo = 0;
        int hi = 0x7bff;
        while (lo < hi) { // largest positive half ≤ x
            int mid = (lo + hi + 1) >>> 1;
            if (referenceValue(mid) <= x) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        double below = referenceValue(lo);
        double above = lo == 0x7bff ? 65536.0 : referenceValue(lo + 1); // 65536 stands in for infinity
        int nearest;
        if (x - below < above - x) {
            nearest = lo;
        } else if (x - below > above - x) {
            nearest = lo + 1;
        } else {
            nearest = (lo & 1) == 0 ? lo : lo + 1;
        }
        if (x >= 65536.0) {
            nearest = 0x7c00;
        }
        int sign = f < 0 || (f == 0 && 1 / f < 0) ? 0x8000 : 0;
        assertThat(Float16.fromFloat(f))
                .as("%s (0x%08x)", f, Float.floatToRawIntBits(f))
                .isEqualTo((short) (sign | nearest));
    }
}
