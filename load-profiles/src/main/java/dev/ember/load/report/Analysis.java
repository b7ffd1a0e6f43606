package dev.ember.load.report;

import dev.ember.load.profile.LoadProfile;
import dev.ember.load.profile.LoadProfile.RateSegment;
import dev.ember.load.profile.LoadProfile.RequestClass;
import dev.ember.load.report.RunResult.ClassSummary;
import dev.ember.load.report.RunResult.Figures;
import dev.ember.load.report.RunResult.Gap;
import dev.ember.load.report.RunResult.Latency;
import dev.ember.load.report.RunResult.MetricsRow;
import dev.ember.load.report.RunResult.PhaseStats;
import dev.ember.load.report.RunResult.Second;
import dev.ember.load.report.RunResult.Stats;
import dev.ember.load.report.RunResult.Totals;
import dev.ember.load.run.MetricsSampler.Sample;
import dev.ember.load.run.MetricsSource;
import dev.ember.load.run.Outcome;
import dev.ember.load.run.Recording;
import dev.ember.load.run.Schedule;
import dev.ember.load.run.TheoreticalHits;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import org.HdrHistogram.Histogram;

/** Turns a run's schedule, recording and metrics samples into its {@link RunResult}. */
public final class Analysis {
    /** What the run was, beside what it measured. */
    public record Context(
            String configuration,
            String target,
            String startedAt,
            String machine,
            long salt,
            Double capacityRps,
            Double coldStartReferenceMs,
            Map<String, Object> deployment) {}

    private final LoadProfile profile;
    private final Schedule schedule;
    private final Recording rec;
    private final List<Sample> samples;

    private Analysis(LoadProfile profile, Schedule schedule, Recording rec, List<Sample> samples) {
        this.profile = profile;
        this.schedule = schedule;
        this.rec = rec;
        this.samples = samples;
    }

    public static RunResult of(
            LoadProfile profile, Schedule schedule, Recording rec, List<Sample> samples, Context context) {
        Analysis a = new Analysis(profile, schedule, rec, samples);
        List<MetricsRow> metrics = a.metrics();
        Figures figures = a.figures(metrics, context.coldStartReferenceMs());
        RunResult partial = new RunResult(
                profile.name(),
                profile.description(),
                context.configuration(),
                context.target(),
                context.startedAt(),
                context.machine(),
                schedule.endNanos() / 1e9,
                context.capacityRps(),
                context.salt(),
                context.deployment(),
                a.totals(),
                a.classes(),
                a.timeline(),
                metrics,
                figures,
                List.of());
        return new RunResult(
                partial.profile(),
                partial.description(),
                partial.configuration(),
                partial.target(),
                partial.startedAt(),
                partial.machine(),
                partial.plannedSeconds(),
                partial.capacityRps(),
                partial.salt(),
                partial.deployment(),
                partial.totals(),
                partial.classes(),
                partial.timeline(),
                partial.metrics(),
                partial.figures(),
                TargetChecks.judge(profile, partial));
    }

    private Totals totals() {
        long sent = 0;
        long unfinished = 0;
        long maxLag = 0;
        for (int i = 0; i < schedule.size(); i++) {
            Outcome o = rec.outcome(i);
            if (o == null) {
                unfinished++;
                sent++;
            } else if (o != Outcome.NOT_SENT) {
                sent++;
                maxLag = Math.max(maxLag, rec.sendLagNanos(i));
            }
        }
        return new Totals(
                schedule.size(),
                sent,
                unfinished,
                byOutcome(i -> true),
                stats(i -> true).ok(),
                maxLag / 1e6);
    }

    private List<ClassSummary> classes() {
        List<ClassSummary> out = new ArrayList<>();
        List<String> phases =
                profile.rate().stream().map(RateSegment::phase).distinct().toList();
        for (int c = 0; c < profile.mix().size(); c++) {
            RequestClass rc = profile.mix().get(c);
            int cls = c;
            List<PhaseStats> perPhase = new ArrayList<>();
            for (String phase : phases) {
                perPhase.add(new PhaseStats(
                        phase,
                        stats(i -> schedule.requestClass(i) == cls
                                && profile.rate()
                                        .get(schedule.segment(i))
                                        .phase()
                                        .equals(phase))));
            }
            out.add(new ClassSummary(
                    rc.name(),
                    rc.model(),
                    rc.door().wireName(),
                    rc.priority().orElse(null),
                    stats(i -> schedule.requestClass(i) == cls),
                    perPhase));
        }
        return out;
    }

    private Stats stats(IntPredicate which) {
        Histogram ok = new Histogram(3);
        long n = 0;
        for (int i = 0; i < schedule.size(); i++) {
            if (which.test(i)) {
                n++;
                if (rec.outcome(i) == Outcome.OK) {
                    ok.recordValue(Math.max(1, rec.latencyNanos(i) / 1000));
                }
            }
        }
        return new Stats(n, byOutcome(which), latency(ok));
    }

    static Latency latency(Histogram h) {
        if (h.getTotalCount() == 0) {
            return new Latency(0, null, null, null, null, null);
        }
        return new Latency(
                h.getTotalCount(),
                h.getValueAtPercentile(50) / 1000.0,
                h.getValueAtPercentile(90) / 1000.0,
                h.getValueAtPercentile(99) / 1000.0,
                h.getValueAtPercentile(99.9) / 1000.0,
                h.getMaxValue() / 1000.0);
    }

    private Map<String, Long> byOutcome(IntPredicate which) {
        long[] counts = new long[Outcome.values().length];
        long unfinished = 0;
        for (int i = 0; i < schedule.size(); i++) {
            if (which.test(i)) {
                Outcome o = rec.outcome(i);
                if (o == null) {
                    unfinished++;
                } else {
                    counts[o.ordinal()]++;
                }
            }
        }
        Map<String, Long> out = new LinkedHashMap<>();
        for (Outcome o : Outcome.values()) {
            if (counts[o.ordinal()] > 0 || o == Outcome.OK) {
                out.put(o.label(), counts[o.ordinal()]);
            }
        }
        if (unfinished > 0) {
            out.put("unfinished", unfinished);
        }
        return out;
    }

    private List<Second> timeline() {
        int seconds = (int) Math.ceil(schedule.endNanos() / 1e9);
        long maxCompleted = 0;
        for (int i = 0; i < schedule.size(); i++) {
            if (rec.outcome(i) != null) {
                maxCompleted = Math.max(maxCompleted, rec.completedNanos(i));
            }
        }
        seconds = Math.max(seconds, (int) Math.ceil(maxCompleted / 1e9));
        int classes = profile.mix().size();
        long[] due = new long[seconds + 1];
        long[][] completed = new long[seconds + 1][Outcome.values().length];
        Histogram[][] ok = new Histogram[seconds + 1][classes];
        for (int i = 0; i < schedule.size(); i++) {
            int s = (int) (schedule.dueNanos(i) / 1_000_000_000L);
            due[s]++;
            Outcome o = rec.outcome(i);
            if (o == null) {
                continue;
            }
            completed[(int) Math.min(seconds, rec.completedNanos(i) / 1_000_000_000L)][o.ordinal()]++;
            if (o == Outcome.OK) {
                int c = schedule.requestClass(i);
                if (ok[s][c] == null) {
                    ok[s][c] = new Histogram(2);
                }
                ok[s][c].recordValue(Math.max(1, rec.latencyNanos(i) / 1000));
            }
        }
        List<Second> out = new ArrayList<>();
        for (int s = 0; s <= seconds; s++) {
            Map<String, Long> byOutcome = new LinkedHashMap<>();
            for (Outcome o : Outcome.values()) {
                if (completed[s][o.ordinal()] > 0) {
                    byOutcome.put(o.label(), completed[s][o.ordinal()]);
                }
            }
            Map<String, Double> p50 = new LinkedHashMap<>();
            Map<String, Double> p99 = new LinkedHashMap<>();
            for (int c = 0; c < classes; c++) {
                if (ok[s][c] != null) {
                    p50.put(profile.mix().get(c).name(), ok[s][c].getValueAtPercentile(50) / 1000.0);
                    p99.put(profile.mix().get(c).name(), ok[s][c].getValueAtPercentile(99) / 1000.0);
                }
            }
            out.add(new Second(s, due[s], byOutcome, p50, p99));
        }
        return out;
    }

    private List<MetricsRow> metrics() {
        List<MetricsRow> out = new ArrayList<>();
        if (samples.isEmpty()) {
            return out;
        }
        List<String> models = profile.models();
        Map<String, Double> first = samples.get(0).series();
        for (Sample s : samples) {
            Map<String, Double> m = s.series();
            out.add(new MetricsRow(
                    s.seconds(),
                    MetricsSource.sumOverModels(m, models, "ember_workers", "state=\"ready\""),
                    MetricsSource.sumOverModels(m, models, "ember_workers", "state=\"launching\""),
                    MetricsSource.sumOverModels(m, models, "ember_workers", "state=\"draining\""),
                    delta(
                            m,
                            first,
                            s2 -> MetricsSource.sum(s2, "ember_cold_start_seconds_count", "phase=\"model_load\"")),
                    delta(m, first, s2 -> MetricsSource.sumOverModels(s2, models, "ember_pool_cold_waits_total")),
                    delta(m, first, s2 -> MetricsSource.sum(s2, "ember_gateway_answers_total", "cache=\"hit\"")),
                    delta(m, first, s2 -> MetricsSource.sum(s2, "ember_gateway_answers_total")),
                    delta(
                            m,
                            first,
                            s2 -> MetricsSource.sum(
                                    s2, "ember_gateway_request_duration_seconds_count", "outcome=\"overloaded\"")),
                    delta(m, first, s2 -> MetricsSource.sumOverModels(s2, models, "ember_worker_seconds_total"))));
        }
        return out;
    }

    private static double delta(
            Map<String, Double> now,
            Map<String, Double> first,
            java.util.function.ToDoubleFunction<Map<String, Double>> f) {
        return f.applyAsDouble(now) - f.applyAsDouble(first);
    }

    private Figures figures(List<MetricsRow> metrics, Double coldStartReferenceMs) {
        List<Gap> gaps = gaps(metrics);
        if (metrics.isEmpty()) {
            return new Figures(
                    false,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    theoretical(),
                    null,
                    gaps,
                    coldStartReferenceMs);
        }
        double end = schedule.endNanos() / 1e9;
        MetricsRow last = metrics.get(metrics.size() - 1);
        MetricsRow atEnd = metrics.stream()
                .filter(r -> r.seconds() <= end + 1)
                .reduce((a, b) -> b)
                .orElse(last);
        double peak = metrics.stream()
                .filter(r -> r.seconds() <= end + 1)
                .mapToDouble(r -> r.workersReady() + r.workersLaunching() + r.workersDraining())
                .max()
                .orElse(0);
        double alwaysOn = peak * end;
        long sent = 0;
        for (int i = 0; i < schedule.size(); i++) {
            if (rec.outcome(i) != Outcome.NOT_SENT) {
                sent++;
            }
        }
        return new Figures(
                true,
                atEnd.workerSeconds(),
                peak,
                alwaysOn,
                alwaysOn > 0 ? atEnd.workerSeconds() / alwaysOn : null,
                last.coldStarts(),
                last.coldWaits(),
                sent > 0 ? last.coldWaits() / sent : null,
                last.cacheAnswers() > 0 ? last.cacheHits() / last.cacheAnswers() : null,
                theoretical(),
                last.shed(),
                gaps,
                coldStartReferenceMs);
    }

    /** The hit ratio a cache that forgets nothing would reach on the keys this schedule drew. */
    private Double theoretical() {
        long cached = 0;
        double hits = 0;
        for (int c = 0; c < profile.mix().size(); c++) {
            long n = schedule.count(c);
            hits += TheoreticalHits.ratio(profile.mix().get(c).keys(), n) * n;
            cached += n;
        }
        boolean any = profile.mix().stream()
                .anyMatch(c -> c.keys().distribution() != LoadProfile.KeySpace.Distribution.UNIQUE);
        return any && cached > 0 ? hits / cached : null;
    }

    private List<Gap> gaps(List<MetricsRow> metrics) {
        List<Gap> out = new ArrayList<>();
        for (int s = 0; s < schedule.segments().size(); s++) {
            RateSegment seg = schedule.segments().get(s);
            if (!seg.idle()) {
                continue;
            }
            double from = schedule.segmentStartNanos(s) / 1e9;
            double to = schedule.segmentEndNanos(s) / 1e9;
            Double min = metrics.stream()
                    .filter(r -> r.seconds() >= from && r.seconds() <= to)
                    .mapToDouble(r -> r.workersReady() + r.workersLaunching() + r.workersDraining())
                    .min()
                    .stream()
                    .boxed()
                    .findFirst()
                    .orElse(null);
            Double firstMs = null;
            String firstOutcome = null;
            long endNanos = schedule.segmentEndNanos(s);
            for (int i = 0; i < schedule.size(); i++) {
                if (schedule.dueNanos(i) >= endNanos) {
                    Outcome o = rec.outcome(i);
                    firstMs = rec.latencyNanos(i) / 1e6;
                    firstOutcome = o == null ? "unfinished" : o.label();
                    break;
                }
            }
            out.add(new Gap(seg.phase(), from, to, min, firstMs, firstOutcome));
        }
        return out;
    }
}
