package dev.ember.load.run;

import dev.ember.load.profile.LoadProfile.KeySpace;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Draws the key of a class's next request from its {@link KeySpace}. */
abstract class KeyPicker {
    abstract long next(SplittableRandom random);

    static KeyPicker of(KeySpace keys) {
        return switch (keys.distribution()) {
            case UNIQUE ->
                new KeyPicker() {
                    private long counter;

                    @Override
                    long next(SplittableRandom random) {
                        return counter++;
                    }
                };
            case UNIFORM ->
                new KeyPicker() {
                    @Override
                    long next(SplittableRandom random) {
                        return random.nextInt(keys.distinct());
                    }
                };
            case ZIPF -> new Zipf(keys.distinct(), keys.exponent());
        };
    }

    /** Key k (0-based) with probability (k+1)^−s / H(n, s), by binary search in the cumulative weights. */
    static final class Zipf extends KeyPicker {
        private final double[] cumulative;

        Zipf(int n, double exponent) {
            cumulative = new double[n];
            double[] p = probabilities(n, exponent);
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += p[k];
                cumulative[k] = sum;
            }
            cumulative[n - 1] = 1.0;
        }

        @Override
        long next(SplittableRandom random) {
            int i = Arrays.binarySearch(cumulative, random.nextDouble());
            return i >= 0 ? i : -i - 1;
        }

        static double[] probabilities(int n, double exponent) {
            double[] p = new double[n];
            double h = 0;
            for (int k = 0; k < n; k++) {
                p[k] = Math.pow(k + 1, -exponent);
                h += p[k];
            }
            for (int k = 0; k < n; k++) {
                p[k] /= h;
            }
            return p;
        }
    }
}
