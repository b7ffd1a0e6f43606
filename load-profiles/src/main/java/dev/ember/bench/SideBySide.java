package dev.ember.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleSupplier;

/**
 * Compared phases measured the only way these shared, noisy machines allow: interleaved (A B A B
 * …, at least three repetitions), each ratio taken between the phases of one repetition, and
 * printed as the median with its min–max spread. One run of "A then B" once gave 0.65 and an hour
 * later 0.97 for the same code: a burst of load from a neighbour lands on one phase. Interleaving
 * spreads it over both, the median drops the repetition it hit, and the spread says how far to
 * trust the figure.
 */
public final class SideBySide {
    /** A spread wider than this either side of the median is printed as a warning. */
    static final double TRUSTED_SPREAD = 0.15;

    private final Map<String, DoubleSupplier> phases = new LinkedHashMap<>();
    private final Map<String, List<Double>> values = new LinkedHashMap<>();

    /** Adds a phase: {@code measure} runs it once and returns its figure (a rate or a latency). */
    public SideBySide phase(String name, DoubleSupplier measure) {
        phases.put(name, measure);
        values.put(name, new ArrayList<>());
        return this;
    }

    /** Runs every phase in turn, {@code repetitions} times over (A B C A B C …). */
    public SideBySide run(int repetitions) {
        if (repetitions < 3) {
            throw new IllegalArgumentException("at least 3 repetitions, got " + repetitions);
        }
        for (int r = 1; r <= repetitions; r++) {
            for (Map.Entry<String, DoubleSupplier> p : phases.entrySet()) {
                double v = p.getValue().getAsDouble();
                values.get(p.getKey()).add(v);
                Report.note("repetition " + r + "/" + repetitions + ": " + p.getKey() + " = " + Report.format(v));
            }
        }
        return this;
    }

    /** Every figure the phase measured, in order. */
    public List<Double> values(String phase) {
        return List.copyOf(require(phase));
    }

    /** The phase's median figure. */
    public double median(String phase) {
        return median(require(phase).stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** {@code numerator / denominator} within each repetition: the median and its spread. */
    public Ratio ratio(String numerator, String denominator) {
        List<Double> a = require(numerator);
        List<Double> b = require(denominator);
        double[] ratios = new double[a.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = a.get(i) / b.get(i);
        }
        return Ratio.of(ratios);
    }

    private List<Double> require(String phase) {
        List<Double> v = values.get(phase);
        if (v == null || v.isEmpty()) {
            throw new IllegalStateException("phase '" + phase + "' has not run");
        }
        return v;
    }

    public static double median(double[] xs) {
        double[] sorted = xs.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** A ratio measured once per repetition. */
    public record Ratio(double median, double min, double max, double[] each) {
        public static Ratio of(double[] each) {
            return new Ratio(
                    SideBySide.median(each),
                    Arrays.stream(each).min().orElse(Double.NaN),
                    Arrays.stream(each).max().orElse(Double.NaN),
                    each.clone());
        }

        /** True when every repetition is within ±{@link #TRUSTED_SPREAD} of the median. */
        public boolean trusted() {
            return min >= median * (1 - TRUSTED_SPREAD) && max <= median * (1 + TRUSTED_SPREAD);
        }

        /**
         * Prints {@code key=median}, {@code key.spread=min..max} and, when the spread is wider than
         * ±15 %, {@code key.warning=...}.
         */
        public void report(String key) {
            Report.value(key, median);
            Report.value(key + ".spread", Report.format(min) + ".." + Report.format(max));
            if (!trusted()) {
                Report.value(
                        key + ".warning",
                        String.format(
                                Locale.ROOT,
                                "spread wider than +-%.0f%% of the median over %d repetitions: noisy machine, do not"
                                        + " trust this ratio alone",
                                TRUSTED_SPREAD * 100,
                                each.length));
            }
        }
    }
}
