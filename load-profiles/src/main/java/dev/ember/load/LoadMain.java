package dev.ember.load;

import dev.ember.bench.Report;
import dev.ember.load.profile.LoadProfile;
import dev.ember.load.profile.ProfileException;
import dev.ember.load.profile.ProfileReader;
import dev.ember.load.report.CompareResult;
import dev.ember.load.report.HtmlReport;
import dev.ember.load.report.ResultsJson;
import dev.ember.load.report.RunResult;
import dev.ember.load.run.Configuration;
import dev.ember.load.run.EmberInstance;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ember load --profile P [--target URL]}: runs a load profile open-loop against Ember (by
 * default one it starts itself with {@code bin/ember up}), and writes the results JSON and a
 * self-contained HTML report; {@code --compare} runs it across naive, +batching, +cache and full
 * Ember, interleaved, into one table of ratios.
 */
@Command(
        name = "ember load",
        mixinStandardHelpOptions = true,
        description = "Run a load profile and write its report (results JSON + HTML with charts).")
public final class LoadMain implements Callable<Integer> {
    @Option(
            names = "--profile",
            required = true,
            description = "A profile name in load-profiles/profiles, or a YAML file")
    String profile;

    @Option(names = "--target", description = "Ember's functions URL; absent: start bin/ember up on a free port")
    URI target;

    @Option(
            names = "--metrics-url",
            description =
                    "Where the functions' Prometheus metrics are (default: TARGET's host, management port 9000, /q/metrics)")
    URI metricsUrl;

    @Option(names = "--worker-metrics", description = "A worker's /metrics URL to sample too (repeatable)")
    List<URI> workerMetrics = List.of();

    @Option(names = "--out", description = "Results folder (default: load-profiles/results/<date>-<machine>)")
    Path out;

    @Option(names = "--compare", description = "Run the profile under naive, +batching, +cache and full Ember")
    boolean compare;

    @Option(names = "--repetitions", defaultValue = "3", description = "Interleaved repetitions in compare mode")
    int repetitions;

    @Option(
            names = "--coldstart-p50-ms",
            description = "coldstart.ember_p50_ms from bin/ember bench coldstart, for the idle-gaps target")
    Double coldStartP50Ms;

    @Option(names = "--ember", defaultValue = "bin/ember", description = "The launcher to start Ember with")
    Path launcher;

    @Option(names = "--models", defaultValue = "models", description = "The model repository Ember serves")
    Path models;

    @Option(names = "--profiles", defaultValue = "load-profiles/profiles", description = "Where profiles are")
    Path profiles;

    @Override
    public Integer call() throws IOException {
        LoadProfile p;
        try {
            p = ProfileReader.read(resolve(profiles, profile));
        } catch (ProfileException e) {
            System.err.println("ember load: " + e.getMessage());
            return 2;
        }
        Path dir = out != null ? out : defaultResults();
        Files.createDirectories(dir);
        ProfileRun.Setup setup = new ProfileRun.Setup(
                Optional.ofNullable(target),
                Optional.ofNullable(metricsUrl),
                workerMetrics,
                launcher,
                models,
                dir.resolve("logs"),
                machine(),
                coldStartP50Ms);
        if (compare) {
            if (target != null) {
                System.err.println("ember load: --compare starts Ember itself in each configuration; drop --target");
                return 2;
            }
            Compare.Outcome c = Compare.run(p, setup, repetitions);
            write(dir, p.name() + "-compare", c.lastFull(), Optional.of(c.table()));
            ResultsJson.write(dir.resolve(p.name() + "-compare.json"), Map.of("compare", c.table(), "runs", c.runs()));
            print(c.table());
            return 0;
        }
        RunResult r = ProfileRun.run(p, Configuration.FULL, setup);
        write(dir, p.name(), r, Optional.empty());
        return 0;
    }

    /**
     * Starts Ember as shipped, with none of a profile's settings, for profiles that have none to run
     * against one after another with {@code --target} ({@code bench all}); its log goes to {@code
     * logs/shared.ember.log}. Closing it stops Ember and deletes what it left in Redis.
     */
    public static EmberInstance startShared(Path launcher, Path models, Path logs) {
        return ProfileRun.startShared(new ProfileRun.Setup(
                Optional.empty(), Optional.empty(), List.of(), launcher, models, logs, machine(), null));
    }

    /** Writes {@code name}.json and {@code name}.html and prints the figures as key=value lines. */
    static void write(Path dir, String name, RunResult r, Optional<CompareResult> compare) throws IOException {
        if (compare.isEmpty()) {
            ResultsJson.write(dir.resolve(name + ".json"), r);
        }
        Path html = dir.resolve(name + ".html");
        Files.writeString(html, HtmlReport.render(r, compare));
        String key = "load." + r.profile() + ".";
        Report.value(key + "scheduled", r.totals().scheduled());
        r.totals().byOutcome().forEach((o, n) -> Report.value(key + "outcome." + ProfileRun.slug(o), n));
        if (r.totals().ok().p99Ms() != null) {
            Report.value(key + "ok_p50_ms", r.totals().ok().p50Ms());
            Report.value(key + "ok_p99_ms", r.totals().ok().p99Ms());
        }
        r.targets().forEach(t -> {
            Report.value(key + "target." + ProfileRun.slug(t.name()), t.status());
            Report.value(key + "target." + ProfileRun.slug(t.name()) + ".detail", t.detail());
        });
        Report.note("report: " + html.toAbsolutePath());
    }

    private static void print(CompareResult c) {
        for (CompareResult.Row row : c.rows()) {
            for (int i = 1; i < c.configurations().size(); i++) {
                CompareResult.RatioCell cell = row.vsFirst().get(i);
                String key = "compare." + c.profile() + "."
                        + ProfileRun.slug(c.configurations().get(i)) + "." + ProfileRun.slug(row.figure())
                        + "_vs_naive";
                if (cell.median() == null) {
                    Report.value(key, "n/a");
                } else {
                    dev.ember.bench.SideBySide.Ratio.of(new double[] {cell.min(), cell.median(), cell.max()})
                            .report(key);
                }
            }
        }
    }

    static Path resolve(Path profiles, String profile) {
        Path asFile = Path.of(profile);
        if (profile.endsWith(".yaml") || profile.endsWith(".yml")) {
            return asFile;
        }
        Path named = profiles.resolve(profile + ".yaml");
        if (!Files.isRegularFile(named)) {
            throw new ProfileException(
                    "profile",
                    "no profile '" + profile + "' in " + profiles + " (one of: " + String.join(", ", names(profiles))
                            + ")");
        }
        return named;
    }

    static List<String> names(Path profiles) {
        try (var files = Files.list(profiles)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".yaml"))
                    .map(f -> f.substring(0, f.length() - 5))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    static Path defaultResults() {
        return Path.of("load-profiles", "results", LocalDate.now() + "-" + machine());
    }

    /** The machine's name in results folders: host name and cores. */
    static String machine() {
        return dev.ember.bench.AllBench.machine();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadMain()).execute(args));
    }
}
