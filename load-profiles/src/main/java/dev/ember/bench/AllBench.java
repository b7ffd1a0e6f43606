package dev.ember.bench;

import dev.ember.load.LoadMain;
import dev.ember.load.profile.LoadProfile;
import dev.ember.load.profile.ProfileReader;
import dev.ember.load.run.EmberInstance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ember bench all}: every benchmark (short phases, still interleaved) and every load
 * profile, then one profile in compare mode, each in its own JVM, into {@code
 * load-profiles/results/<date>-<machine>/}: each bench's key=value lines, each profile's JSON and
 * HTML report, and an {@code index.html} and {@code summary.txt} over all of them. Profiles with a
 * deployment section of their own start their own Ember; the others share one. Planned for 15
 * minutes on 2 cores; the summary says how long each step took.
 */
@Command(name = "all", description = "Every benchmark and load profile, into load-profiles/results/<date>-<machine>/.")
public final class AllBench implements Callable<Integer> {
    @Option(names = "--out", description = "Results folder (default: load-profiles/results/<date>-<machine>)")
    Path out;

    @Option(names = "--profiles", defaultValue = "load-profiles/profiles")
    Path profiles;

    @Option(names = "--ember", defaultValue = "bin/ember", description = "The launcher to start Ember with")
    Path launcher;

    @Option(names = "--models", defaultValue = "models", description = "The model repository Ember serves")
    Path models;

    @Option(names = "--compare-profile", defaultValue = "compare", description = "The profile run in compare mode")
    String compareProfile;

    @Option(names = "--skip-benches", description = "Only the load profiles (for a quick check)")
    boolean skipBenches;

    private record Step(String name, List<String> args) {}

    @Override
    public Integer call() throws Exception {
        Path dir = out != null ? out : Path.of("load-profiles", "results", LocalDate.now() + "-" + machine());
        Files.createDirectories(dir);
        List<Step> steps = new ArrayList<>();
        if (!skipBenches) {
            // Short measured phases, each after an unmeasured warm-up: the worker's JIT settles in the
            // warm-up (mlp-tiny batched read 8.0k req/s after a 2 s warm-up, 26k after 8 s; 3 s per
            // path here, then each measured phase's own second of settling, so the JIT goes on
            // settling through the first repetition: these are the quick figures, the benches'
            // own defaults the careful ones).
            steps.add(new Step(
                    "pool",
                    List.of(
                            "-jar",
                            jar(),
                            "pool",
                            "--seconds",
                            "1",
                            "--warmup-seconds",
                            "3",
                            "--raw-seconds",
                            "1",
                            "--raw-warmup-ms",
                            "300")));
            steps.add(new Step(
                    "gateway",
                    List.of(
                            "-jar",
                            jar(),
                            "gateway",
                            "--seconds",
                            "1",
                            "--warmup-seconds",
                            "3",
                            "--settle-seconds",
                            "1",
                            "--image-seconds",
                            "2")));
            steps.add(new Step("async", List.of("-jar", jar(), "async", "--seconds", "2", "--warmup-seconds", "3")));
            steps.add(new Step("coldstart", List.of("-jar", jar(), "coldstart", "--repetitions", "3")));
            steps.add(new Step("lambda", List.of("-jar", jar(), "lambda", "--repetitions", "3")));
        }
        Map<String, Long> took = new LinkedHashMap<>();
        Map<String, Integer> status = new LinkedHashMap<>();
        long start = System.nanoTime();
        for (Step s : steps) {
            run(s, dir, took, status);
        }
        Double coldStartP50 = figure(dir.resolve("coldstart.txt"), "coldstart.ember_p50_ms");
        List<String> own = new ArrayList<>();
        List<String> shared = new ArrayList<>();
        for (String p : profileNames()) {
            if (!p.equals(compareProfile)) {
                (hasDeployment(p) ? own : shared).add(p);
            }
        }
        for (String p : own) {
            List<String> args = new ArrayList<>(loadArgs(p, dir));
            if (coldStartP50 != null) {
                args.addAll(List.of("--coldstart-p50-ms", Double.toString(coldStartP50)));
            }
            run(new Step("load-" + p, args), dir, took, status);
        }
        // The profiles with no deployment settings of their own run one after another against one
        // Ember, as a deployed one sees them: an Ember's start (~10 s on 2 cores) is not paid again
        // for each. The spike goes first, so its burst meets what a fresh Ember has.
        shared.sort(java.util.Comparator.comparing(p -> !p.equals("spike")));
        if (!shared.isEmpty()) {
            long t0 = System.nanoTime();
            Report.note("bench all: one Ember for " + String.join(", ", shared));
            try (EmberInstance ember = LoadMain.startShared(launcher, models, dir.resolve("logs"))) {
                took.put("shared-ember-start", (System.nanoTime() - t0) / 1_000_000_000L);
                status.put("shared-ember-start", 0);
                for (String p : shared) {
                    List<String> args = new ArrayList<>(loadArgs(p, dir));
                    args.addAll(List.of(
                            "--target",
                            ember.uri().toString(),
                            "--metrics-url",
                            ember.metricsUri().toString()));
                    run(new Step("load-" + p, args), dir, took, status);
                }
            }
        }
        List<String> compare = new ArrayList<>(loadArgs(compareProfile, dir));
        compare.add("--compare");
        run(new Step("compare-" + compareProfile, compare), dir, took, status);
        long total = (System.nanoTime() - start) / 1_000_000_000L;
        writeSummary(dir, took, status, total);
        Report.value("all.seconds", total);
        Report.value("all.results", dir.toString());
        return status.values().stream().allMatch(c -> c == 0) ? 0 : 1;
    }

    private List<String> loadArgs(String profile, Path dir) {
        return List.of(
                "-cp",
                jar(),
                "dev.ember.load.LoadMain",
                "--profile",
                profile,
                "--profiles",
                profiles.toString(),
                "--ember",
                launcher.toString(),
                "--models",
                models.toString(),
                "--out",
                dir.toString());
    }

    private boolean hasDeployment(String profile) {
        LoadProfile.Deployment d =
                ProfileReader.read(profiles.resolve(profile + ".yaml")).deployment();
        return !d.models().isEmpty() || !d.environment().isEmpty();
    }

    private void run(Step s, Path dir, Map<String, Long> took, Map<String, Integer> status)
            throws IOException, InterruptedException {
        Report.note("bench all: " + s.name());
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Djava.awt.headless=true");
        command.addAll(s.args());
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(command)
                .redirectOutput(dir.resolve(s.name() + ".txt").toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        boolean done = p.waitFor(30, TimeUnit.MINUTES);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        took.put(s.name(), (System.nanoTime() - t0) / 1_000_000_000L);
        status.put(s.name(), done ? p.exitValue() : -1);
        Report.value("all." + s.name() + ".seconds", took.get(s.name()));
        Report.value("all." + s.name() + ".exit", status.get(s.name()));
    }

    private List<String> profileNames() throws IOException {
        try (var files = Files.list(profiles)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(f -> f.endsWith(".yaml"))
                    .map(f -> f.substring(0, f.length() - 5))
                    .sorted()
                    .toList();
        }
    }

    /** A {@code key=value} figure from a step's output, or null. */
    static Double figure(Path file, String key) throws IOException {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(key + "=")) {
                try {
                    return Double.parseDouble(line.substring(key.length() + 1));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static void writeSummary(Path dir, Map<String, Long> took, Map<String, Integer> status, long total)
            throws IOException {
        List<BenchIndex.Step> steps = new ArrayList<>();
        for (String step : took.keySet()) {
            Path out = dir.resolve(step + ".txt");
            steps.add(new BenchIndex.Step(
                    step, took.get(step), status.get(step), Files.isRegularFile(out) ? Files.readString(out) : ""));
        }
        BenchIndex.Run run = new BenchIndex.Run(total, steps);
        Files.writeString(dir.resolve("summary.txt"), BenchIndex.summary(run));
        Files.writeString(
                dir.resolve("index.html"), BenchIndex.html(machine(), run, f -> Files.isRegularFile(dir.resolve(f))));
    }

    private static String jar() {
        try {
            return Path.of(AllBench.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String machine() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "host";
        }
        return (host.replaceAll("[^A-Za-z0-9.-]+", "-") + "-"
                        + Runtime.getRuntime().availableProcessors() + "cpu")
                .toLowerCase(Locale.ROOT);
    }
}
