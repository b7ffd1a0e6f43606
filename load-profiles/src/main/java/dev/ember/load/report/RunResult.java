package dev.ember.load.report;

import java.util.List;
import java.util.Map;

/**
 * Everything one run measured and derived, as written to its results JSON and drawn in its report.
 * Latencies are milliseconds from each request's due time; a figure that could not be measured
 * (no metrics from the target, no such class) is null, never zero.
 */
public record RunResult(
        String profile,
        String description,
        String configuration,
        String target,
        String startedAt,
        String machine,
        double plannedSeconds,
        Double capacityRps,
        long salt,
        Map<String, Object> deployment,
        Totals totals,
        List<ClassSummary> classes,
        List<Second> timeline,
        List<MetricsRow> metrics,
        Figures figures,
        List<TargetLine> targets) {

    /** Every arrival of the schedule, by outcome label ({@code 2xx}, {@code 429}, ...). */
    public record Totals(
            long scheduled, long sent, long unfinished, Map<String, Long> byOutcome, Latency ok, double maxSendLagMs) {}

    /** One request class: its outcomes and latencies over the run and in each phase. */
    public record ClassSummary(
            String name, String model, String door, String priority, Stats overall, List<PhaseStats> phases) {}

    public record PhaseStats(String phase, Stats stats) {}

    /**
     * Counts by outcome, and the latency percentiles of the 2xx answers (the ones a user waited
     * for and got; a fast 429 is counted, not averaged in).
     */
    public record Stats(long requests, Map<String, Long> byOutcome, Latency ok) {}

    public record Latency(long count, Double p50Ms, Double p90Ms, Double p99Ms, Double p999Ms, Double maxMs) {}

    /**
     * One second of the run: requests due in it, answers completed in it by outcome, and each
     * class's p50/p99 of the 2xx answers to the requests due in it.
     */
    public record Second(
            int second,
            long due,
            Map<String, Long> completedByOutcome,
            Map<String, Double> p50MsByClass,
            Map<String, Double> p99MsByClass) {}

    /** A metrics sample: workers of the profile's models by state, and counters since the run began. */
    public record MetricsRow(
            double seconds,
            double workersReady,
            double workersLaunching,
            double workersDraining,
            double coldStarts,
            double coldWaits,
            double cacheHits,
            double cacheAnswers,
            double shed,
            double workerSeconds) {}

    /** The figures the targets are judged by. */
    public record Figures(
            boolean metricsAvailable,
            Double workerSeconds,
            Double peakWorkers,
            Double alwaysOnWorkerSeconds,
            Double costVsAlwaysOn,
            Double coldStarts,
            Double coldWaits,
            Double coldWaitShare,
            Double cacheHitRatio,
            Double theoreticalHitRatio,
            Double serverShed,
            List<Gap> gaps,
            Double coldStartReferenceMs) {}

    /** A quiet segment: the fewest workers seen in it, and how the first request after it fared. */
    public record Gap(
            String phase,
            double fromSeconds,
            double toSeconds,
            Double minWorkers,
            Double firstAfterMs,
            String firstAfterOutcome) {}

    /** A target of the issue, judged on this run ({@code pass}, {@code fail} or {@code not judged}): its figures in words. */
    public record TargetLine(String name, String status, String detail) {
        public static final String PASS = "pass";
        public static final String FAIL = "fail";
        public static final String NOT_JUDGED = "not judged";

        static TargetLine judged(String name, boolean pass, String detail) {
            return new TargetLine(name, pass ? PASS : FAIL, detail);
        }
    }
}
