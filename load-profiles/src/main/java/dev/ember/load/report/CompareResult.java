package dev.ember.load.report;

import java.util.List;

/**
 * One profile run under several configurations, interleaved (A B C D A B C D …): each figure's
 * median per configuration, and its ratio to the first configuration (naive) taken within each
 * repetition, as a median with its min–max spread.
 */
public record CompareResult(String profile, int repetitions, List<String> configurations, List<Row> rows) {
    /** One figure across the configurations; {@code better} says which way is better. */
    public record Row(String figure, String better, List<Double> medians, List<RatioCell> vsFirst) {}

    /** A ratio to the first configuration: the median over repetitions, its spread, and whether to trust it. */
    public record RatioCell(Double median, Double min, Double max, boolean trusted) {}
}
