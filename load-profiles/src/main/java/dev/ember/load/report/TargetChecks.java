package dev.ember.load.report;

import dev.ember.load.profile.LoadProfile;
import dev.ember.load.profile.LoadProfile.Targets;
import dev.ember.load.profile.LoadProfile.VipRatio;
import dev.ember.load.report.RunResult.ClassSummary;
import dev.ember.load.report.RunResult.Figures;
import dev.ember.load.report.RunResult.Gap;
import dev.ember.load.report.RunResult.PhaseStats;
import dev.ember.load.report.RunResult.TargetLine;
import dev.ember.load.run.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The targets, judged on one run's figures; each line says what it saw. */
final class TargetChecks {
    private TargetChecks() {}

    static List<TargetLine> judge(LoadProfile profile, RunResult r) {
        Targets t = profile.targets();
        Map<String, Long> all = r.totals().byOutcome();
        Figures f = r.figures();
        List<TargetLine> out = new ArrayList<>();
        if (t.noUnexplained5xx()) {
            long bad = count(all, Outcome.UNAVAILABLE_NO_RETRY_AFTER)
                    + count(all, Outcome.DEADLINE)
                    + count(all, Outcome.SERVER_ERROR);
            long unanswered = count(all, Outcome.TIMEOUT)
                    + count(all, Outcome.CONNECTION_ERROR)
                    + all.getOrDefault("unfinished", 0L);
            out.add(TargetLine.judged(
                    "no 5xx but 503 with Retry-After",
                    bad == 0,
                    String.format(
                            Locale.ROOT,
                            "%d of %d sent: %d 503 without Retry-After, %d 504, %d other 5xx (503 with Retry-After: %d);"
                                    + " no answer at all: %d",
                            bad,
                            r.totals().sent(),
                            count(all, Outcome.UNAVAILABLE_NO_RETRY_AFTER),
                            count(all, Outcome.DEADLINE),
                            count(all, Outcome.SERVER_ERROR),
                            count(all, Outcome.UNAVAILABLE),
                            unanswered)));
        }
        if (t.shedWithRetryAfter()) {
            long shed = count(all, Outcome.SHED);
            long bare = count(all, Outcome.SHED_NO_RETRY_AFTER);
            String server = f.serverShed() == null
                    ? "the server's own count is not available"
                    : String.format(Locale.ROOT, "the functions counted %.0f shed", f.serverShed());
            out.add(TargetLine.judged(
                    "every shed request is 429 with Retry-After",
                    bare == 0,
                    String.format(
                            Locale.ROOT, "%d answered 429 with Retry-After, %d without; %s", shed, bare, server)));
        }
        t.vipP99().ifPresent(v -> out.add(vip(r, v)));
        t.maxCostVsAlwaysOn()
                .ifPresent(max -> out.add(
                        f.costVsAlwaysOn() == null
                                ? notMeasured("worker-seconds vs always-on", "no pool metrics from the target")
                                : TargetLine.judged(
                                        "worker-seconds vs always-on",
                                        f.costVsAlwaysOn() <= max,
                                        String.format(
                                                Locale.ROOT,
                                                "%.0f worker-seconds = %.1f%% of %.0f for an always-on pool of %.0f (the peak) over %.0f s;"
                                                        + " target ≤ %.0f%%",
                                                f.workerSeconds(),
                                                f.costVsAlwaysOn() * 100,
                                                f.alwaysOnWorkerSeconds(),
                                                f.peakWorkers(),
                                                r.plannedSeconds(),
                                                max * 100))));
        t.maxColdWaitShare()
                .ifPresent(max -> out.add(
                        f.coldWaitShare() == null
                                ? notMeasured(
                                        "requests that waited for a cold start", "no pool metrics from the target")
                                : TargetLine.judged(
                                        "requests that waited for a cold start",
                                        f.coldWaitShare() <= max,
                                        String.format(
                                                Locale.ROOT,
                                                "%.0f of %d sent = %.2f%% (%.0f cold starts); target ≤ %.1f%%",
                                                f.coldWaits(),
                                                r.totals().sent(),
                                                f.coldWaitShare() * 100,
                                                f.coldStarts(),
                                                max * 100))));
        if (t.zeroWorkersInGaps()) {
            out.add(zeroInGaps(f.gaps()));
        }
        t.maxFirstAfterGapVsColdStart().ifPresent(max -> out.add(firstAfterGap(f, max)));
        t.zipfHitRatioClass().ifPresent(c -> out.add(hitRatio(f)));
        return out;
    }

    private static TargetLine vip(RunResult r, VipRatio v) {
        String name = v.requestClass() + " p99 " + v.loadedPhase() + " vs " + v.unloadedPhase();
        ClassSummary c = r.classes().stream()
                .filter(x -> x.name().equals(v.requestClass()))
                .findFirst()
                .orElse(null);
        Double loaded = c == null ? null : p99(c, v.loadedPhase());
        Double unloaded = c == null ? null : p99(c, v.unloadedPhase());
        if (loaded == null || unloaded == null) {
            return TargetLine.judged(
                    name, false, "no 2xx answers of class " + v.requestClass() + " in one of the phases");
        }
        double ratio = loaded / unloaded;
        return TargetLine.judged(
                name,
                ratio <= v.max(),
                String.format(
                        Locale.ROOT,
                        "%.1f ms under %s vs %.1f ms %s = %.2f×; target ≤ %.1f×",
                        loaded,
                        v.loadedPhase(),
                        unloaded,
                        v.unloadedPhase(),
                        ratio,
                        v.max()));
    }

    private static Double p99(ClassSummary c, String phase) {
        return c.phases().stream()
                .filter(p -> p.phase().equals(phase))
                .map(PhaseStats::stats)
                .map(s -> s.ok().p99Ms())
                .findFirst()
                .orElse(null);
    }

    private static TargetLine zeroInGaps(List<Gap> gaps) {
        String name = "zero workers in every gap";
        if (gaps.isEmpty()) {
            return TargetLine.judged(name, false, "the profile has no gap (a segment at 0 rps)");
        }
        if (gaps.stream().anyMatch(g -> g.minWorkers() == null)) {
            return notMeasured(name, "no pool metrics from the target during a gap");
        }
        long atZero = gaps.stream().filter(g -> g.minWorkers() == 0).count();
        StringBuilder d = new StringBuilder(atZero + " of " + gaps.size() + " gaps reached 0 workers; fewest per gap:");
        gaps.forEach(g -> d.append(String.format(Locale.ROOT, " %.0f", g.minWorkers())));
        return TargetLine.judged(name, atZero == gaps.size(), d.toString());
    }

    private static TargetLine firstAfterGap(Figures f, double max) {
        String name = "first request after a gap vs cold-start bench";
        if (f.coldStartReferenceMs() == null) {
            return notMeasured(
                    name, "no cold-start figure: pass --coldstart-p50-ms (bin/ember bench all passes its own)");
        }
        double limit = max * f.coldStartReferenceMs();
        List<Gap> gaps = f.gaps().stream().filter(g -> g.firstAfterMs() != null).toList();
        if (gaps.isEmpty()) {
            return TargetLine.judged(name, false, "no request after a gap");
        }
        boolean pass = gaps.stream().allMatch(g -> g.firstAfterMs() <= limit && "2xx".equals(g.firstAfterOutcome()));
        StringBuilder d = new StringBuilder("first answers after each gap (ms):");
        gaps.forEach(g -> d.append(String.format(Locale.ROOT, " %.0f (%s)", g.firstAfterMs(), g.firstAfterOutcome())));
        d.append(String.format(
                Locale.ROOT,
                "; target ≤ %.1f × %.0f ms (coldstart.ember_p50_ms) = %.0f ms",
                max,
                f.coldStartReferenceMs(),
                limit));
        return TargetLine.judged(name, pass, d.toString());
    }

    private static TargetLine hitRatio(Figures f) {
        String name = "cache hit ratio vs theoretical";
        if (f.cacheHitRatio() == null || f.theoreticalHitRatio() == null) {
            return notMeasured(name, "no cache metrics from the target, or no repeating keys in the profile");
        }
        return TargetLine.judged(
                name,
                f.cacheHitRatio() >= 0.9 * f.theoreticalHitRatio(),
                String.format(
                        Locale.ROOT,
                        "measured %.3f vs %.3f for a cache that forgets nothing on these keys (%.0f%%); judged ≥ 90%%",
                        f.cacheHitRatio(),
                        f.theoreticalHitRatio(),
                        100 * f.cacheHitRatio() / f.theoreticalHitRatio()));
    }

    private static TargetLine notMeasured(String name, String why) {
        return new TargetLine(name, TargetLine.NOT_JUDGED, why);
    }

    private static long count(Map<String, Long> byOutcome, Outcome o) {
        return byOutcome.getOrDefault(o.label(), 0L);
    }
}
