package dev.ember.load;

import dev.ember.bench.SideBySide;
import dev.ember.load.profile.LoadProfile;
import dev.ember.load.report.CompareResult;
import dev.ember.load.report.RunResult;
import dev.ember.load.run.Configuration;
import dev.ember.load.run.EmberInstance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The same profile under each {@link Configuration#COMPARED}, interleaved (naive, +batching,
 * +cache, full, naive, …) so that a neighbour's burst of load lands on all of them alike; each
 * figure becomes a ratio to naive within one repetition.
 */
final class Compare {
    /** The figures compared, how each is read off a run, and which way is better. */
    private record Figure(String name, String better, Function<RunResult, Double> of) {}

    private static final List<Figure> FIGURES = List.of(
            new Figure(
                    "2xx per second",
                    "higher is better",
                    r -> r.totals().byOutcome().getOrDefault("2xx", 0L) / r.plannedSeconds()),
            new Figure("2xx p50 ms", "lower is better", r -> r.totals().ok().p50Ms()),
            new Figure("2xx p99 ms", "lower is better", r -> r.totals().ok().p99Ms()),
            new Figure(
                    "share not 2xx",
                    "lower is better",
                    r -> r.totals().sent() == 0
                            ? null
                            : 1.0
                                    - r.totals().byOutcome().getOrDefault("2xx", 0L)
                                            / (double) r.totals().scheduled()),
            new Figure("worker-seconds", "lower is better", r -> r.figures().workerSeconds()),
            new Figure("cold starts", "lower is better", r -> r.figures().coldStarts()),
            new Figure(
                    "requests that waited for a cold start",
                    "lower is better",
                    r -> r.figures().coldWaits()),
            new Figure("cache hit ratio", "higher is better", r -> r.figures().cacheHitRatio()));

    /** The longest a run waits for the other configurations' Embers to finish starting workers. */
    private static final java.time.Duration QUIET_WAIT = java.time.Duration.ofSeconds(60);

    private Compare() {}

    /** The table, and the last full-Ember run (the one the report draws). */
    record Outcome(CompareResult table, RunResult lastFull, List<RunResult> runs) {}

    static Outcome run(LoadProfile profile, ProfileRun.Setup setup, int repetitions) {
        Map<String, List<RunResult>> runs = new LinkedHashMap<>();
        Map<String, EmberInstance> embers = new LinkedHashMap<>();
        try {
            if (setup.target().isEmpty()) {
                startAll(profile, setup, embers);
            }
            SideBySide side = new SideBySide();
            for (Configuration c : Configuration.COMPARED) {
                runs.put(c.name(), new ArrayList<>());
                side.phase(c.name(), () -> {
                    // Each run has its own input salt (no hit from an earlier run); a profile that
                    // starts at rest finds its kept Ember there already, scaled to zero while the
                    // other configurations ran. The workers an earlier run's burst asked for may
                    // still be starting (3 JVMs take ~14 s on 2 cores, after the burst is over):
                    // that would land on this run, so it waits for them.
                    embers.values().forEach(e -> e.awaitNoLaunches(QUIET_WAIT));
                    EmberInstance ember = embers.get(c.name());
                    RunResult r = ProfileRun.runOn(profile, c, setup, ember);
                    runs.get(c.name()).add(r);
                    return r.totals().byOutcome().getOrDefault("2xx", 0L);
                });
            }
            side.run(repetitions);
        } finally {
            embers.values().forEach(EmberInstance::close);
        }
        List<String> names = List.copyOf(runs.keySet());
        List<CompareResult.Row> rows = new ArrayList<>();
        for (Figure f : FIGURES) {
            List<Double> medians = new ArrayList<>();
            List<CompareResult.RatioCell> ratios = new ArrayList<>();
            List<RunResult> first = runs.get(names.get(0));
            for (String n : names) {
                List<RunResult> mine = runs.get(n);
                medians.add(median(mine.stream().map(f.of()).toList()));
                double[] each = new double[repetitions];
                boolean defined = true;
                for (int i = 0; i < repetitions; i++) {
                    Double a = f.of().apply(mine.get(i));
                    Double b = f.of().apply(first.get(i));
                    if (a == null || b == null || b == 0) {
                        defined = false;
                        break;
                    }
                    each[i] = a / b;
                }
                if (defined) {
                    SideBySide.Ratio r = SideBySide.Ratio.of(each);
                    ratios.add(new CompareResult.RatioCell(r.median(), r.min(), r.max(), r.trusted()));
                } else {
                    ratios.add(new CompareResult.RatioCell(null, null, null, false));
                }
            }
            rows.add(new CompareResult.Row(f.name(), f.better(), medians, ratios));
        }
        List<RunResult> all = runs.values().stream().flatMap(List::stream).toList();
        List<RunResult> full = runs.get(Configuration.FULL.name());
        return new Outcome(new CompareResult(profile.name(), repetitions, names, rows), full.get(full.size() - 1), all);
    }

    /**
     * One Ember per configuration, kept for all its runs, started side by side, each warmed up and
     * (for a profile that starts at rest) back at zero before the first run: on 2 cores four starts
     * and rest waits one after another took ~64 s of a ~190 s compare. If one fails, those started
     * are stopped.
     */
    private static void startAll(LoadProfile profile, ProfileRun.Setup setup, Map<String, EmberInstance> into) {
        ExecutorService pool = Executors.newFixedThreadPool(Configuration.COMPARED.size());
        Map<String, CompletableFuture<EmberInstance>> starting = new LinkedHashMap<>();
        try {
            for (Configuration c : Configuration.COMPARED) {
                starting.put(
                        c.name(),
                        CompletableFuture.supplyAsync(
                                () -> {
                                    EmberInstance e = ProfileRun.start(profile, c, setup);
                                    try {
                                        ProfileRun.prepare(profile, e);
                                    } catch (RuntimeException failed) {
                                        e.close();
                                        throw failed;
                                    }
                                    return e;
                                },
                                pool));
            }
            RuntimeException failure = null;
            for (Map.Entry<String, CompletableFuture<EmberInstance>> s : starting.entrySet()) {
                try {
                    into.put(s.getKey(), s.getValue().join());
                } catch (java.util.concurrent.CompletionException e) {
                    if (failure == null) { // the rest are still joined, so every started Ember is closed
                        failure = e.getCause() instanceof RuntimeException r ? r : e;
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            pool.shutdown();
        }
    }

    private static Double median(List<Double> values) {
        double[] v = values.stream()
                .filter(x -> x != null && !x.isNaN())
                .mapToDouble(Double::doubleValue)
                .toArray();
        return v.length == 0 ? null : SideBySide.median(v);
    }
}
