package dev.ember.load;

import dev.ember.bench.Report;
import dev.ember.load.profile.LoadProfile;
import dev.ember.load.report.Analysis;
import dev.ember.load.report.RunResult;
import dev.ember.load.run.Configuration;
import dev.ember.load.run.EmberInstance;
import dev.ember.load.run.MetricsSampler;
import dev.ember.load.run.MetricsSource;
import dev.ember.load.run.OpenLoopRunner;
import dev.ember.load.run.Outcome;
import dev.ember.load.run.Recording;
import dev.ember.load.run.Schedule;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** One run of a profile: against a target, or against an Ember it starts in a configuration. */
final class ProfileRun {
    /** Where and how to run. */
    record Setup(
            Optional<URI> target,
            Optional<URI> metricsUrl,
            List<URI> workerMetrics,
            Path launcher,
            Path models,
            Path logs,
            String machine,
            Double coldStartReferenceMs) {}

    /** The longest a run with {@code start_at_rest} waits for the pool to scale to zero first. */
    private static final Duration REST_WAIT = Duration.ofSeconds(60);

    private ProfileRun() {}

    /** One run, against the target or an Ember started for it (and stopped after). */
    static RunResult run(LoadProfile profile, Configuration configuration, Setup setup) {
        if (setup.target().isPresent()) {
            return runOn(profile, configuration, setup, null);
        }
        try (EmberInstance ember = start(profile, configuration, setup)) {
            return runOn(profile, configuration, setup, ember);
        }
    }

    /**
     * Starts {@code bin/ember up} with the profile's deployment settings under {@code configuration},
     * with a Redis key prefix of its own (no earlier answers cached).
     */
    static EmberInstance start(LoadProfile profile, Configuration configuration, Setup setup) {
        return start(
                profile.name() + "-" + slug(configuration.name()),
                configuration.name(),
                overrides(profile, configuration),
                environment(profile.deployment().environment(), configuration),
                setup);
    }

    /**
     * Ember as shipped ({@link Configuration#FULL}) with no profile's settings, for several profiles
     * to run against one after another as a deployed Ember sees them ({@code --target}).
     */
    static EmberInstance startShared(Setup setup) {
        return start("shared", Configuration.FULL.name(), Map.of(), environment(Map.of(), Configuration.FULL), setup);
    }

    private static EmberInstance start(
            String name,
            String configuration,
            Map<String, Map<String, Object>> overrides,
            Map<String, String> env,
            Setup setup) {
        Path log = setup.logs().resolve(name + ".ember.log");
        try {
            Files.createDirectories(setup.logs());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Report.note(name + ": starting bin/ember up (" + configuration + "), log " + log);
        return EmberInstance.start(setup.launcher(), setup.models(), overrides, env, log, Duration.ofMinutes(5));
    }

    private static Map<String, Map<String, Object>> overrides(LoadProfile profile, Configuration configuration) {
        return configuration.overrides(profile.models(), profile.deployment().models());
    }

    private static Map<String, String> environment(Map<String, String> profile, Configuration configuration) {
        Map<String, String> env = new LinkedHashMap<>(profile);
        env.putAll(configuration.environment());
        env.put("EMBER_REDIS_KEY_PREFIX", "load-" + UUID.randomUUID().toString().substring(0, 8) + ":");
        return env;
    }

    /**
     * One run against {@code ember} (started by {@link #start} in {@code configuration}), or against
     * the setup's target when {@code ember} is null. Each run has its own input salt, so no answer
     * an earlier run left in the cache is a hit.
     */
    static RunResult runOn(LoadProfile profile, Configuration configuration, Setup setup, EmberInstance ember) {
        long salt = new java.util.SplittableRandom().nextLong(1, 1L << 20);
        Map<String, Map<String, Object>> overrides = overrides(profile, configuration);
        URI target = ember != null ? ember.uri() : setup.target().orElseThrow();
        String label = ember != null
                ? configuration.name()
                : "as deployed at the target (the profile's deployment settings are not applied)";
        List<URI> metricUrls = new ArrayList<>();
        // The functions serve /q/metrics on their management port (9000 unless started otherwise).
        URI metrics = ember != null ? ember.metricsUri() : URI.create("http://" + target.getHost() + ":9000/q/metrics");
        metricUrls.add(setup.metricsUrl().orElse(metrics));
        metricUrls.addAll(setup.workerMetrics());
        try (OpenLoopRunner runner = new OpenLoopRunner(target, profile.bounds())) {
            warmUp(profile, runner, ember, target, salt);
            Double capacity = null;
            if (profile.capacityProbe().isPresent()) {
                var probe = profile.capacityProbe().get();
                Report.note(profile.name() + ": measuring capacity, " + probe.concurrency() + " callers of class "
                        + probe.requestClass() + " for " + probe.seconds() + " s");
                capacity = runner.capacity(
                        profile.requestClass(probe.requestClass()), salt, probe.concurrency(), probe.seconds());
                Report.note(profile.name() + ": capacity " + Report.format(capacity) + " req/s");
            }
            Schedule schedule = Schedule.of(profile, capacity == null ? 0 : capacity);
            if (profile.startAtRest()) {
                awaitRest(profile, new MetricsSource(metricUrls));
            }
            String startedAt = Instant.now().toString();
            long start = System.nanoTime();
            Recording recording;
            List<MetricsSampler.Sample> samples;
            try (MetricsSampler sampler = new MetricsSampler(new MetricsSource(metricUrls), start);
                    ProgressBar bar = progressBar(profile, schedule)) {
                recording = runner.run(schedule, profile.mix(), salt, p -> {
                    bar.stepTo(p.due());
                    bar.setExtraMessage(String.format(
                            java.util.Locale.ROOT,
                            "2xx %d · 429 %d · 503 %d · in flight %d",
                            p.recording().count(Outcome.OK),
                            p.recording().count(Outcome.SHED) + p.recording().count(Outcome.SHED_NO_RETRY_AFTER),
                            p.recording().count(Outcome.UNAVAILABLE)
                                    + p.recording().count(Outcome.UNAVAILABLE_NO_RETRY_AFTER),
                            p.inFlight()));
                });
                samples = sampler.stop();
            }
            Map<String, Object> deployment = new LinkedHashMap<>();
            if (ember != null) {
                deployment.put("models", overrides);
                deployment.put("environment", ember.environment());
            }
            return Analysis.of(
                    profile,
                    schedule,
                    recording,
                    samples,
                    new Analysis.Context(
                            label,
                            ember == null ? target.toString() : "bin/ember up at " + target,
                            startedAt,
                            setup.machine(),
                            salt,
                            capacity,
                            setup.coldStartReferenceMs(),
                            deployment));
        }
    }

    /**
     * An Ember of the runner's own made ready for {@code profile}'s runs before the first: its
     * warm-up requests sent and, with {@code start_at_rest}, its pool at zero. Compare mode does
     * this for every configuration at once, so their starts and waits overlap.
     */
    static void prepare(LoadProfile profile, EmberInstance ember) {
        long salt = new java.util.SplittableRandom().nextLong(1, 1L << 20);
        try (OpenLoopRunner runner = new OpenLoopRunner(ember.uri(), profile.bounds())) {
            warmUp(profile, runner, ember, ember.uri(), salt);
        }
        if (profile.startAtRest()) {
            awaitRest(profile, new MetricsSource(List.of(ember.metricsUri())));
        }
    }

    /**
     * A deployed Ember has seen its models before: one request per model, unmeasured, so the
     * gateway knows each signature and every later cold start is the pool's (and counted in
     * ember_pool_cold_waits_total), not the first lookup of a model. An Ember of the runner's own is
     * asked once (a compare round after the first finds it at rest); a target, whose history the
     * runner does not know, before every run.
     */
    private static void warmUp(LoadProfile profile, OpenLoopRunner runner, EmberInstance ember, URI target, long salt) {
        for (String model : profile.models()) {
            if (ember != null && !ember.firstRequestTo(model)) {
                continue;
            }
            var first = profile.mix().stream()
                    .filter(c -> c.model().equals(model))
                    .findFirst()
                    .orElseThrow();
            int status = runner.once(first, salt);
            if (status / 100 != 2) {
                throw new IllegalStateException(profile.name() + ": the first request of class " + first.name() + " to "
                        + model + " was answered " + status
                        + (ember != null ? "; see " + ember.log() : " by " + target));
            }
        }
    }

    /**
     * {@code start_at_rest}: the workers the warm-up request started belong to no part of the day, so
     * the run waits until the pool has scaled them away (its stable window plus its scale-to-zero
     * grace), at most {@link #REST_WAIT}. A pool kept warm ({@code min_warm}) never gets there: the
     * run starts after the wait, with what it keeps.
     */
    private static void awaitRest(LoadProfile profile, MetricsSource metrics) {
        long until = System.nanoTime() + REST_WAIT.toNanos();
        long began = System.nanoTime();
        double workers = Double.NaN;
        while (System.nanoTime() < until) {
            Optional<Map<String, Double>> sample = metrics.read();
            if (sample.isPresent()) {
                workers = MetricsSource.sumOverModels(sample.get(), profile.models(), "ember_workers");
                if (workers == 0) {
                    break;
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(500_000_000L);
        }
        Report.note(String.format(
                java.util.Locale.ROOT,
                "%s: start_at_rest: waited %.1f s for the pool to scale to zero (%s)",
                profile.name(),
                (System.nanoTime() - began) / 1e9,
                Double.isNaN(workers) ? "no metrics read" : Report.format(workers) + " workers"));
    }

    private static ProgressBar progressBar(LoadProfile profile, Schedule schedule) {
        return new ProgressBarBuilder()
                .setTaskName(profile.name())
                .setInitialMax(schedule.size())
                .setUnit(" req", 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500)
                .setMaxRenderedLength(120)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
    }

    static String slug(String s) {
        return s.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("^-|-$", "").toLowerCase(java.util.Locale.ROOT);
    }
}
