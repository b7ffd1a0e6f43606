package dev.ember.bench;

import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.WorkerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ember bench coldstart}: scale from zero to the first answer for ppocr-det (a 160×160
 * image), several times each way, in one run.
 *
 * <ul>
 *   <li><b>naive</b>: what a plain server does — start a JVM (no class-data archive, ONNX Runtime
 *       unpacking its native library), load the original model, answer the first request.
 *   <li><b>ember</b>: what the local pool does — a spare runtime (JVM and ONNX Runtime already up,
 *       started ahead of need with the worker's class-data archive) loads the model's cached
 *       optimized form, warms it, and answers. The spare's own start is not on the request's path.
 * </ul>
 *
 * Both are timed from the scaling decision (spawn, or load call) to the first response, taking
 * turns ({@link SideBySide}); the speedup is the median of per-repetition ratios, with its spread.
 */
@Command(name = "coldstart", description = "Scale-from-zero to first response: a plain JVM against Ember's path.")
final class ColdStartBench implements Callable<Integer> {
    @Option(names = "--models", defaultValue = "models")
    Path models;

    @Option(names = "--worker-jar", defaultValue = "gpu-pool/worker/target/ember-pool-worker.jar")
    Path workerJar;

    @Option(
            names = "--ember-jvm-options",
            defaultValue = "${env:EMBER_WORKER_JVM_OPTIONS:--Xmx1g}",
            description = "JVM options of Ember's workers (bin/ember passes the class-data archive and native path)")
    String emberJvmOptions;

    @Option(
            names = "--device",
            defaultValue = "cpu",
            description = "cpu (a 160x160 image), or cuda: ppocr-det at 640x640 on CUDA device 0 with the GPU config"
                    + " (every batch shape warmed before ready), both ways started from this JVM's classpath"
                    + " (default ${DEFAULT-VALUE})")
    String device;

    @Option(
            names = "--repetitions",
            defaultValue = "5",
            description = "Interleaved repetitions of each way, at least 3 (default ${DEFAULT-VALUE})")
    int repetitions;

    @Override
    public Integer call() throws Exception {
        Report.value("machine.cpus", Runtime.getRuntime().availableProcessors());
        Path model = models.resolve("ppocr-det/1/model.onnx");
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException(model + " is missing; run models/fetch first");
        }
        boolean cuda = switch (device) {
            case "cpu" -> false;
            case "cuda" -> true;
            default -> throw new IllegalArgumentException("--device must be cpu or cuda, got '" + device + "'");
        };
        this.cuda = cuda;
        // On a GPU both ways warm every shape before ready: a bare process is then the full cold start.
        Path naiveRepo = repo(
                "ember-coldstart-naive",
                model,
                cuda ? GpuMode.workerConfig(1, true, "heuristic") : "max_batch_size: 2\nwarmup: {enabled: false}\n");
        Path emberRepo = repo(
                "ember-coldstart-ember",
                model,
                cuda
                        ? GpuMode.workerConfig(1, true, "heuristic")
                        : Files.readString(models.resolve("ppocr-det/config.yaml")));
        Path cache = Files.createTempDirectory("ember-coldstart-cache");
        List<String> emberJvm = Arrays.stream(emberJvmOptions.trim().split("\\s+"))
                .filter(s -> !s.isBlank())
                .toList();
        InferenceRequest image = InferenceRequest.of(image());

        Report.note("priming (not measured): page cache, the optimized-model cache");
        // A GPU pool's spare practises on its GPU (--spare-device); on cuda the same run also measures
        // a spare that practised on CPU only, to show what that buys.
        String practice = cuda ? "cuda:0" : "cpu";
        naive(naiveRepo, image);
        ember(emberRepo, cache, launch(emberJvm), image, practice);

        List<Map<String, Long>> naivePhases = new ArrayList<>();
        List<Map<String, Long>> emberPhases = new ArrayList<>();
        List<Map<String, Long>> cpuPracticePhases = new ArrayList<>();
        SideBySide side = new SideBySide()
                .phase("naive", () -> timed(() -> naive(naiveRepo, image), naivePhases))
                .phase(
                        "ember",
                        () -> timed(() -> ember(emberRepo, cache, launch(emberJvm), image, practice), emberPhases));
        // More warmed sizes, the largest the maximum batch: each size's first run (0.1-0.9 s, b16
        // and b32 the slowest) competes with the others at warmup.
        Map<String, List<Map<String, Long>>> otherPhases = new LinkedHashMap<>();
        if (cuda) {
            side.phase(
                    "ember_cpu_practice",
                    () -> timed(() -> ember(emberRepo, cache, launch(emberJvm), image, "cpu"), cpuPracticePhases));
            for (Map.Entry<String, List<Integer>> other : OTHER_SIZES.entrySet()) {
                Path otherRepo = repo(
                        "ember-coldstart-" + other.getKey(),
                        model,
                        GpuMode.workerConfig(1, true, "heuristic", true, other.getValue()));
                List<Map<String, Long>> phases = new ArrayList<>();
                otherPhases.put(other.getKey(), phases);
                side.phase(
                        "ember_" + other.getKey(),
                        () -> timed(() -> ember(otherRepo, cache, launch(emberJvm), image, practice), phases));
            }
        }
        side.run(repetitions);
        Report.value("coldstart.naive_runs_ms", runs(side.values("naive")));
        Report.value("coldstart.ember_runs_ms", runs(side.values("ember")));
        Report.value("coldstart.naive_p50_ms", side.median("naive"));
        Report.value("coldstart.ember_p50_ms", side.median("ember"));
        side.ratio("naive", "ember").report("coldstart.speedup");
        for (String phase : List.of("spawn", "runtime_init", "model_load", "warmup", "first_request")) {
            Report.value("coldstart.naive." + phase + "_p50_ms", medianOf(naivePhases, phase));
            Report.value("coldstart.ember." + phase + "_p50_ms", medianOf(emberPhases, phase));
        }
        double steady = medianOf(emberPhases, "steady_p50_us") / 1000.0;
        Report.value("coldstart.ember.steady_p50_ms", steady);
        Report.value("coldstart.ember.ready_ms", medianOf(emberPhases, "model_load") + medianOf(emberPhases, "warmup"));
        Report.value(
                "coldstart.ember.first_request_vs_steady_p50",
                medianOf(emberPhases, "first_request_us") / 1000.0 / steady);
        if (cuda) {
            Report.value("coldstart.ember_cpu_practice_p50_ms", side.median("ember_cpu_practice"));
            side.ratio("ember_cpu_practice", "ember").report("coldstart.cuda_practice_speedup");
            Report.value(
                    "coldstart.ember_cpu_practice.ready_ms",
                    medianOf(cpuPracticePhases, "model_load") + medianOf(cpuPracticePhases, "warmup"));
            Report.value(
                    "coldstart.ember_cpu_practice.first_request_p50_ms", medianOf(cpuPracticePhases, "first_request"));
            otherPhases.forEach((name, phases) -> {
                String key = "coldstart.ember_" + name;
                Report.value(key + "_p50_ms", side.median("ember_" + name));
                side.ratio("ember", "ember_" + name).report("coldstart." + name + "_speedup");
                Report.value(key + ".ready_ms", medianOf(phases, "model_load") + medianOf(phases, "warmup"));
                Report.value(key + ".first_request_p50_ms", medianOf(phases, "first_request"));
                Report.value(
                        key + ".first_request_vs_steady_p50",
                        medianOf(phases, "first_request_us") / medianOf(phases, "steady_p50_us"));
            });
        }
        Report.value("coldstart.ember.second_request_ms", medianOf(emberPhases, "second_request_us") / 1000.0);
        Report.value(
                "coldstart.ember.fresh_client_first_request_ms",
                medianOf(emberPhases, "fresh_client_first_us") / 1000.0);
        // Where the first request's time goes, against a steady one: the worker's own time (arrival
        // to answer), of which the batch's compute (stage + run); the rest is HTTP, codec and client.
        for (String part : List.of("worker", "compute", "stage")) {
            Report.value(
                    "coldstart.ember.first_request." + part + "_ms",
                    medianOf(emberPhases, "first_" + part + "_us") / 1000.0);
            Report.value(
                    "coldstart.ember.steady." + part + "_ms", medianOf(emberPhases, "steady_" + part + "_us") / 1000.0);
        }
        return 0;
    }

    private record Run(long totalMs, Map<String, Long> phases) {}

    private interface ColdStart {
        Run once() throws Exception;
    }

    /** One cold start's total (ms) for {@link SideBySide}; its phases go to {@code phases}. */
    private static double timed(ColdStart start, List<Map<String, Long>> phases) {
        try {
            Run r = start.once();
            phases.add(r.phases());
            return r.totalMs();
        } catch (Exception e) {
            throw new IllegalStateException("cold start failed: " + e.getMessage(), e);
        }
    }

    private static String runs(List<Double> ms) {
        return ms.stream()
                .map(v -> Long.toString(Math.round(v)))
                .toList()
                .toString()
                .replace(" ", "");
    }

    private static double medianOf(List<Map<String, Long>> runs, String phase) {
        return SideBySide.median(
                runs.stream().mapToDouble(p -> p.getOrDefault(phase, 0L)).toArray());
    }

    /** Spawn a plain worker JVM over the model and wait for its first answer. */
    private Run naive(Path repo, InferenceRequest image) throws Exception {
        long start = System.nanoTime();
        try (WorkerProcess p = WorkerProcess.start(
                        launch(List.of(cuda ? "-Xmx4g" : "-Xmx1g", "-Xshare:off")),
                        repo,
                        List.of(),
                        Duration.ofSeconds(120),
                        false);
                HttpPoolClient client = new HttpPoolClient(p.uri())) {
            long ready = System.nanoTime();
            client.infer("ppocr-det", null, image).get(60, TimeUnit.SECONDS);
            long done = System.nanoTime();
            Map<String, Long> r = p.reportedPhases();
            long runtimeInit = r.getOrDefault("runtime_init_ms", 0L);
            long load = r.getOrDefault("model_load_ms", 0L);
            long warmup = r.getOrDefault("warmup_ms", 0L);
            long toReady = (ready - start) / 1_000_000;
            return new Run(
                    (done - start) / 1_000_000,
                    Map.of(
                            "spawn", toReady - runtimeInit - load - warmup,
                            "runtime_init", runtimeInit,
                            "model_load", load,
                            "warmup", warmup,
                            "first_request", (done - ready) / 1_000_000));
        }
    }

    /** A spare runtime (started untimed, practised on {@code practice}) loads the model, warms it, and answers. */
    private Run ember(Path repo, Path cache, WorkerProcess.Launch launch, InferenceRequest image, String practice)
            throws Exception {
        try (WorkerProcess spare = WorkerProcess.start(
                        launch,
                        repo,
                        List.of("--spare", "--spare-device", practice, "--cache-dir", cache.toString()),
                        Duration.ofSeconds(120),
                        false);
                HttpPoolClient client = new HttpPoolClient(spare.uri())) {
            Thread.sleep(200); // a spare waits idle until needed
            long start = System.nanoTime();
            Parameters report = client.loadModel("ppocr-det", false).get(60, TimeUnit.SECONDS);
            long loaded = System.nanoTime();
            client.infer("ppocr-det", null, image).get(60, TimeUnit.SECONDS);
            long done = System.nanoTime();
            Map<String, double[]> first = WorkerSums.scrape(spare.uri(), "ppocr-det");
            // Then one client at batch 1, as steady as it gets: the first request should cost no more.
            long[] steady = new long[21];
            for (int i = 0; i < steady.length; i++) {
                long t = System.nanoTime();
                client.infer("ppocr-det", null, image).get(60, TimeUnit.SECONDS);
                steady[i] = (System.nanoTime() - t) / 1000;
            }
            long second = steady[0];
            Arrays.sort(steady);
            Map<String, double[]> after = WorkerSums.scrape(spare.uri(), "ppocr-det");
            // A client of its own (its own connection and event loop) against the now warm worker:
            // if its first request costs no more than a steady one, what the first request after
            // ready pays is the worker's once, not each new connection's.
            long freshFirst;
            try (HttpPoolClient fresh = new HttpPoolClient(spare.uri())) {
                long t = System.nanoTime();
                fresh.infer("ppocr-det", null, image).get(60, TimeUnit.SECONDS);
                freshFirst = (System.nanoTime() - t) / 1000;
            }
            Map<String, Long> phases = new java.util.HashMap<>(Map.of(
                    "first_request_us",
                    (done - loaded) / 1000,
                    "steady_p50_us",
                    steady[steady.length / 2],
                    "spawn",
                    0L,
                    "runtime_init",
                    0L,
                    "model_load",
                    report.integer("model_load_ms").orElse(0L),
                    "warmup",
                    report.integer("warmup_ms").orElse(0L),
                    "first_request",
                    (done - loaded) / 1_000_000));
            Map<String, String> metrics = Map.of(
                    "worker", "ember_request_duration_seconds",
                    "compute", "ember_compute_seconds",
                    "stage", "ember_stage_seconds");
            metrics.forEach((part, metric) -> {
                long once = WorkerSums.sumMicros(first, metric);
                phases.put("first_" + part + "_us", once);
                phases.put("steady_" + part + "_us", (WorkerSums.sumMicros(after, metric) - once) / steady.length);
            });
            phases.put("second_request_us", second);
            phases.put("fresh_client_first_us", freshFirst);
            return new Run((done - start) / 1_000_000, phases);
        }
    }

    /** The worker jar as deployed; on a GPU this JVM's classpath (the bundle's GPU classes and natives). */
    private WorkerProcess.Launch launch(List<String> jvm) {
        if (!cuda) {
            return WorkerProcess.Launch.jar(workerJar, jvm);
        }
        List<String> options = new ArrayList<>(jvm);
        options.addAll(GpuMode.childJvmOptions());
        return WorkerProcess.Launch.thisClasspath(options);
    }

    private boolean cuda;

    /** On cuda, the GPU config with more warmed sizes, each measured as a phase of its own. */
    private static final Map<String, List<Integer>> OTHER_SIZES = new LinkedHashMap<>();

    static {
        OTHER_SIZES.put("max16", List.of(1, 2, 4, 8, 16));
        OTHER_SIZES.put("max32", GpuMode.UP_TO_32);
    }

    private static Path repo(String name, Path model, String config) throws Exception {
        Path repo = Files.createTempDirectory(name);
        Path dir = Files.createDirectories(repo.resolve("ppocr-det").resolve("1"));
        Files.copy(model, dir.resolve("model.onnx"));
        Files.writeString(repo.resolve("ppocr-det").resolve("config.yaml"), config);
        return repo;
    }

    private Tensor image() {
        int side = cuda ? 640 : 160;
        float[] v = new float[3 * side * side];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((i / side) % 24 < 8) ? -1.5f : 1.5f;
        }
        return Tensor.ofFloats("x", new long[] {1, 3, side, side}, v);
    }
}
