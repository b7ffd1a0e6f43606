package dev.ember.bench;

import ai.onnxruntime.OrtException;
import dev.ember.models.TinyModels;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.config.CudaOptions;
import dev.ember.pool.worker.WorkerProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ember bench pool}: for each model, in one run on one machine, (a) raw ONNX Runtime at each
 * of a few batch sizes, (b) a worker process over HTTP with batching and C closed-loop clients, (c)
 * the same worker and clients with batching off, all interleaved ({@link SideBySide}: a b c a b c
 * …). The best raw batch is the one with the highest median over the repetitions, not the maximum
 * of single short runs (that once moved ppocr-det's ratio from 0.65 to 1.09 between two runs).
 * Prints {@code pool.<model>.ratio_vs_raw} (b/a) and {@code pool.<model>.batching_gain} (b/c),
 * each the median of per-repetition ratios with its spread.
 */
@Command(name = "pool", description = "Worker throughput against raw ONNX Runtime, batching on and off.")
final class PoolBench implements Callable<Integer> {

    /** A model under test: where it is, its input, and how the worker should batch it. */
    record Case(
            String name,
            Path modelFile,
            String input,
            long[] rowShape,
            List<Integer> rawBatchSizes,
            int clients,
            String batchingConfig) {}

    @Option(
            names = "--models",
            defaultValue = "models",
            description = "Model repository holding mlp-tiny and ppocr-det")
    Path models;

    @Option(
            names = "--seconds",
            defaultValue = "5",
            description = "Measured seconds per worker phase and repetition (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(
            names = "--raw-seconds",
            defaultValue = "2",
            description = "Measured seconds per raw batch size and repetition (default ${DEFAULT-VALUE})")
    int rawSeconds;

    @Option(
            names = "--repetitions",
            defaultValue = "3",
            description = "Interleaved repetitions of every phase, at least 3 (default ${DEFAULT-VALUE})")
    int repetitions;

    @Option(
            names = "--warmup-seconds",
            defaultValue = "5",
            description = "Unmeasured load on each worker path before the interleaved phases: the JIT of the worker"
                    + " and of this load generator settles there, not in a measured phase (default ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(
            names = "--raw-warmup-ms",
            defaultValue = "1000",
            description = "Unmeasured runs of each raw session before its measured seconds (default ${DEFAULT-VALUE})")
    int rawWarmupMs;

    @Option(names = "--only", description = "Run only this model (mlp-tiny, mlp-wide or ppocr-det)")
    String only;

    @Option(
            names = "--device",
            defaultValue = "cpu",
            description =
                    "cpu, or cuda: ppocr-det at 1x3x640x640 on CUDA device 0, raw and worker (default ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--clients", description = "Concurrent clients (default: 32 on cuda, per model on cpu)")
    Integer clients;

    @Option(
            names = "--client-event-loops",
            description = "The load generator's I/O threads (default: 4 on cuda, 1 on cpu)")
    Integer clientEventLoops;

    @Option(
            names = "--cuda-variants",
            defaultValue = "padup",
            description = "cuda: worker variants measured beside batched and unbatched, any of padup (no preferred"
                    + " sizes: a batch takes what is queued and is padded up to a warmed size), wait (8 ms delay,"
                    + " preferred 16 and 32), nopad (no padding, one session), onesession (padded, one session),"
                    + " max16 and max32 (sizes 1, 2, 4, 8 and 16, and 32: the default's set with bigger batches)"
                    + " (default ${DEFAULT-VALUE})")
    String cudaVariants;

    @Option(
            names = "--cudnn-conv-algo-search",
            defaultValue = "heuristic",
            description = "cuda: the search raw ONNX Runtime and the worker both use (default ${DEFAULT-VALUE})")
    String search;

    @Override
    public Integer call() throws Exception {
        Report.value("machine.cpus", Runtime.getRuntime().availableProcessors());
        Report.value("machine.java", System.getProperty("java.version"));
        if (cuda()) {
            runOnCuda();
            return 0;
        }
        for (Case c : cases()) {
            if (only == null || only.equals(c.name())) {
                run(c);
            }
        }
        return 0;
    }

    private boolean cuda() {
        return switch (device) {
            case "cpu" -> false;
            case "cuda" -> true;
            default -> throw new IllegalArgumentException("--device must be cpu or cuda, got '" + device + "'");
        };
    }

    /**
     * ppocr-det on the GPU, in one worker: batching on (padded to warmed sizes, a session per
     * size, two runners), on with one runner, on without padding (one session; only the sizes 1,
     * 2, 4, 8, 16, 32 are warm), padded on one session, and off; against raw ONNX Runtime at 1, 8,
     * 16 and 32 (a session per size) with the same CUDA options.
     */
    private void runOnCuda() throws Exception {
        Path model = models.resolve("ppocr-det/1/model.onnx");
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException(model + " is missing; run models/fetch first");
        }
        String key = "pool.ppocr-det.";
        int n = clients == null ? 32 : clients;
        List<String> variants = new ArrayList<>();
        for (String v : cudaVariants.split(",")) {
            if (v.isBlank()) {
                continue;
            }
            if (!List.of("padup", "wait", "nopad", "onesession", "max16", "max32")
                    .contains(v.trim())) {
                throw new IllegalArgumentException(
                        "--cuda-variants takes padup, wait, nopad, onesession, max16 and max32,"
                                + " comma-separated; got '" + v.trim() + "'");
            }
            variants.add("det-batched-" + v.trim());
        }
        CudaOptions options = CudaOptions.DEFAULTS.withConvAlgoSearch(
                CudaOptions.ConvAlgoSearch.valueOf(search.toUpperCase(java.util.Locale.ROOT)));
        Path repo = Files.createTempDirectory("ember-bench-pool-cuda");
        install(repo, "det-batched", model, GpuMode.workerConfig(2, true, search));
        install(repo, "det-batched-1runner", model, GpuMode.workerConfig(1, true, search));
        Map<String, String> variantConfigs = Map.of(
                "det-batched-max16", GpuMode.workerConfig(2, true, search, true, List.of(1, 2, 4, 8, 16)),
                "det-batched-max32", GpuMode.workerConfig(2, true, search, true, GpuMode.UP_TO_32),
                "det-batched-nopad", GpuMode.workerConfig(2, false, search),
                "det-batched-onesession", GpuMode.workerConfig(2, true, search, false),
                "det-batched-padup", GpuMode.workerConfig(2, true, search).replace(GpuMode.PREFERRED_WARMED, ""),
                "det-batched-wait",
                        GpuMode.workerConfig(2, true, search, true, GpuMode.UP_TO_32)
                                .replace("preferred_batch_sizes: " + GpuMode.UP_TO_32 + "\n", "")
                                .replace(
                                        "max_queue_delay_ms: 2",
                                        "max_queue_delay_ms: 8\npreferred_batch_sizes: [16, 32]"));
        for (String v : variants) { // only those asked for: each is six more sessions to load
            install(repo, v, model, variantConfigs.get(v));
        }
        install(repo, "det-unbatched", model, GpuMode.unbatchedConfig(2, search));
        List<String> jvm = new ArrayList<>(List.of("-Xmx8g"));
        jvm.addAll(GpuMode.childJvmOptions());
        Duration warm = Duration.ofSeconds(1);
        Duration measure = Duration.ofSeconds(seconds);
        try (WorkerProcess worker = WorkerProcess.start(repo, jvm, List.of(), Duration.ofSeconds(300), false);
                HttpLoad load = new HttpLoad(worker.uri(), n, clientEventLoops == null ? 4 : clientEventLoops)) {
            Report.value(key + "worker_ready_ms", worker.startupTime().toMillis());
            InferenceRequest request = InferenceRequest.of(image(GpuMode.IMAGE));
            List<String> phases = new ArrayList<>(List.of("det-batched", "det-batched-1runner"));
            phases.addAll(variants);
            phases.add("det-unbatched");
            Map<String, HttpLoad.Call> calls = new LinkedHashMap<>();
            for (String m : phases) {
                calls.put(m, load.post("/v2/models/" + m + "/infer", request));
            }
            Report.note("ppocr-det on cuda: warming the worker and raw ONNX Runtime");
            for (String m : phases) {
                load.run(calls.get(m), n, Duration.ZERO, Duration.ofSeconds(2));
            }
            List<Integer> rawSizes = List.of(1, 8, 16, 32);
            for (int batch : rawSizes) {
                rawCuda(model, batch, options, Duration.ofMillis(300));
            }
            SideBySide side = new SideBySide();
            for (int batch : rawSizes) {
                side.phase("raw_batch" + batch, () -> rawCuda(model, batch, options, Duration.ofSeconds(rawSeconds)));
            }
            Map<String, List<ClosedLoopLoad.Result>> results = new LinkedHashMap<>();
            for (String m : phases) {
                List<ClosedLoopLoad.Result> into = new ArrayList<>();
                results.put(m, into);
                side.phase(m, () -> throughput(load, calls.get(m), n, warm, measure, into));
            }
            side.run(repetitions);

            int bestBatch = rawSizes.get(0);
            for (int batch : rawSizes) {
                double rows = side.median("raw_batch" + batch);
                Report.value(key + "raw_batch" + batch + "_rows_per_s", rows);
                if (rows > side.median("raw_batch" + bestBatch)) {
                    bestBatch = batch;
                }
            }
            Report.value(key + "raw_best_batch", bestBatch);
            Report.value(key + "raw_rows_per_s", side.median("raw_batch" + bestBatch));
            for (String m : phases) {
                report(key + m.substring("det-".length()).replace('-', '_'), side.median(m), results.get(m));
            }
            Report.value(key + "clients", n);
            Report.value(key + "repetitions", repetitions);
            Report.value(key + "cuda", options.toString());
            side.ratio("det-batched", "raw_batch" + bestBatch).report(key + "ratio_vs_raw");
            side.ratio("det-batched", "det-unbatched").report(key + "batching_gain");
            side.ratio("det-batched", "det-batched-1runner").report(key + "two_runners_gain");
            // What batching can buy on this GPU at most: raw ONNX Runtime's best batch against batch 1.
            side.ratio("raw_batch" + bestBatch, "raw_batch1").report(key + "raw_batching_ceiling");
            for (String v : variants) {
                side.ratio("det-batched", v).report(key + "vs_" + v.substring("det-batched-".length()));
            }
            for (String m : phases) {
                workerBreakdown(
                        worker.uri(), m, key + m.substring("det-".length()).replace('-', '_') + ".worker.");
            }

            // One client: batch 1 throughout (the first request after ready is bench coldstart's).
            ClosedLoopLoad.Result one = load.run(calls.get("det-batched"), 1, warm, measure);
            Report.value(key + "one_client_rps", one.throughput());
            Report.value(key + "one_client_p50_ms", one.p50Ms());
        }
    }

    /**
     * The worker's own view of a phase, from its /metrics (means over every repetition): time from
     * a request's arrival to its answer, of which queue wait and batch compute (stage + run).
     */
    private static void workerBreakdown(URI worker, String model, String prefix) throws Exception {
        WorkerSums.scrape(worker, model).forEach((metric, v) -> {
            if (v[1] > 0) {
                boolean seconds = metric.endsWith("_seconds");
                Report.value(
                        prefix + metric.replace("ember_", "") + (seconds ? "_mean_ms" : "_mean"),
                        seconds ? v[0] / v[1] * 1000 : v[0] / v[1]);
            }
        });
    }

    private static double rawCuda(Path model, int batch, CudaOptions options, Duration measure) {
        try {
            return RawOrtThroughput.rowsPerSecondOnCuda(
                    model, "x", GpuMode.IMAGE, batch, options, Duration.ofMillis(500), measure);
        } catch (OrtException e) {
            throw new IllegalStateException("raw ONNX Runtime on CUDA failed at batch " + batch, e);
        }
    }

    private List<Case> cases() throws IOException {
        return List.of(
                // The checked-in test MLP: ~10 µs per call, far less than one HTTP exchange costs.
                new Case(
                        "mlp-tiny",
                        models.resolve("mlp-tiny/1/model.onnx"),
                        "input",
                        new long[] {1, 64},
                        List.of(1, 8, 32, 64),
                        32,
                        shippedConfig("mlp-tiny")),
                // A memory-bound MLP (5.2 M weights, 20 MB): one row costs nearly as much as 32,
                // the case dynamic batching exists for. Written here, not checked in.
                new Case(
                        "mlp-wide",
                        wideMlp(),
                        "input",
                        new long[] {1, 512},
                        List.of(1, 8, 32),
                        32,
                        // Batches of 16 with 32 clients: one batch computes while the next fills.
                        "max_batch_size: 16\nmax_queue_delay_ms: 2\n"),
                // Its shipped config is tuned for CPU: see models/fetch.
                new Case(
                        "ppocr-det",
                        models.resolve("ppocr-det/1/model.onnx"),
                        "x",
                        new long[] {1, 3, 160, 160},
                        List.of(1, 2, 4, 8),
                        16,
                        shippedConfig("ppocr-det")));
    }

    /** Batching on means the model's own config.yaml, as users run it. */
    private String shippedConfig(String model) throws IOException {
        Path file = models.resolve(model).resolve("config.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing; run models/fetch first");
        }
        return Files.readString(file);
    }

    private static Path wideMlp() throws IOException {
        Path dir = Files.createTempDirectory("ember-bench-mlp-wide");
        return TinyModels.write(TinyModels.mlp("mlp-wide", new int[] {512, 2048, 2048, 16}, 7), dir);
    }

    private void run(Case c) throws Exception {
        if (!Files.isRegularFile(c.modelFile())) {
            throw new IllegalStateException(c.modelFile() + " is missing; run models/fetch first");
        }
        String key = "pool." + c.name() + ".";
        Duration warm = Duration.ofSeconds(1);
        Duration measure = Duration.ofSeconds(seconds);

        Path repo = Files.createTempDirectory("ember-bench-pool");
        install(repo, c.name() + "-batched", c.modelFile(), c.batchingConfig());
        install(
                repo,
                c.name() + "-unbatched",
                c.modelFile(),
                c.batchingConfig().replaceAll("max_batch_size: \\d+", "max_batch_size: 0"));
        try (WorkerProcess worker =
                        WorkerProcess.start(repo, List.of("-Xmx2g"), List.of(), Duration.ofSeconds(60), false);
                HttpLoad load = new HttpLoad(worker.uri(), c.clients())) {
            InferenceRequest request = InferenceRequest.of(input(c));
            HttpLoad.Call batched = load.post("/v2/models/" + c.name() + "-batched/infer", request);
            HttpLoad.Call unbatched = load.post("/v2/models/" + c.name() + "-unbatched/infer", request);
            // JIT and ONNX Runtime's per-shape memory plans warm on both paths before either is measured.
            Report.note(c.name() + ": warming the worker, " + warmupSeconds + " s on each path");
            load.run(batched, c.clients(), Duration.ZERO, Duration.ofSeconds(warmupSeconds));
            load.run(unbatched, c.clients(), Duration.ZERO, Duration.ofSeconds(warmupSeconds));

            // Every raw batch size and both worker phases take turns, so the best raw batch is chosen
            // from medians over repetitions and each ratio is taken within one repetition.
            SideBySide side = new SideBySide();
            for (int batch : c.rawBatchSizes()) {
                side.phase("raw_batch" + batch, () -> raw(c, batch));
            }
            List<ClosedLoopLoad.Result> on = new ArrayList<>();
            List<ClosedLoopLoad.Result> off = new ArrayList<>();
            side.phase("batched", () -> throughput(load, batched, c.clients(), warm, measure, on));
            side.phase("unbatched", () -> throughput(load, unbatched, c.clients(), warm, measure, off));
            side.run(repetitions);

            int bestBatch = c.rawBatchSizes().get(0);
            for (int batch : c.rawBatchSizes()) {
                double rows = side.median("raw_batch" + batch);
                Report.value(key + "raw_batch" + batch + "_rows_per_s", rows);
                if (rows > side.median("raw_batch" + bestBatch)) {
                    bestBatch = batch;
                }
            }
            Report.value(key + "raw_best_batch", bestBatch);
            Report.value(key + "raw_rows_per_s", side.median("raw_batch" + bestBatch));
            report(key + "batched", side.median("batched"), on);
            report(key + "unbatched", side.median("unbatched"), off);
            Report.value(key + "clients", c.clients());
            Report.value(key + "repetitions", repetitions);
            side.ratio("batched", "raw_batch" + bestBatch).report(key + "ratio_vs_raw");
            side.ratio("batched", "unbatched").report(key + "batching_gain");
        }
    }

    private double raw(Case c, int batch) {
        try {
            return RawOrtThroughput.rowsPerSecond(
                    c.modelFile(),
                    c.input(),
                    c.rowShape(),
                    batch,
                    0,
                    Duration.ofMillis(rawWarmupMs),
                    Duration.ofSeconds(rawSeconds));
        } catch (OrtException e) {
            throw new IllegalStateException(c.name() + ": raw ONNX Runtime failed at batch " + batch, e);
        }
    }

    private static double throughput(
            HttpLoad load,
            HttpLoad.Call call,
            int clients,
            Duration warm,
            Duration measure,
            List<ClosedLoopLoad.Result> into) {
        try {
            ClosedLoopLoad.Result r = load.run(call, clients, warm, measure);
            into.add(r);
            return r.throughput();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The phase's median throughput, and the median of its repetitions' latencies and failures. */
    private static void report(String prefix, double medianRps, List<ClosedLoopLoad.Result> runs) {
        Report.value(prefix + "_rps", medianRps);
        Report.value(
                prefix + "_p50_ms",
                SideBySide.median(
                        runs.stream().mapToDouble(ClosedLoopLoad.Result::p50Ms).toArray()));
        Report.value(
                prefix + "_p99_ms",
                SideBySide.median(
                        runs.stream().mapToDouble(ClosedLoopLoad.Result::p99Ms).toArray()));
        Report.value(
                prefix + "_failed",
                runs.stream().mapToLong(ClosedLoopLoad.Result::failed).sum());
    }

    private static Tensor input(Case c) {
        return input(c.input(), c.rowShape());
    }

    private static Tensor image(long[] shape) {
        return input("x", shape);
    }

    private static Tensor input(String name, long[] shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i % 251) / 251f;
        }
        return Tensor.ofFloats(name, shape, v);
    }

    private static void install(Path repo, String name, Path model, String config) throws IOException {
        Path dir = Files.createDirectories(repo.resolve(name).resolve("1"));
        Files.copy(model, dir.resolve("model.onnx"));
        Files.writeString(repo.resolve(name).resolve("config.yaml"), config);
    }
}
