package dev.ember.bench;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.pool.api.config.CudaOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ember bench cuda}: what the CUDA provider's options cost and buy for ppocr-det at
 * 1×3×640×640, raw ONNX Runtime from Java, so config.yaml's {@code cuda:} defaults are measured:
 * for each {@code cudnn_conv_algo_search}, the session's creation, the first and second run of
 * each batch size (the first pays the algorithm search) and steady images/s; {@code
 * do_copy_in_default_stream: false}; CUDA graphs at batch 1 (correct outputs?); and, from ONNX
 * Runtime's profiler, one batch's host-to-device copy, kernels and device-to-host copy.
 */
@Command(
        name = "cuda",
        description = "CUDA provider options for ppocr-det: search modes, first runs, graphs, one batch's parts.")
final class CudaBench implements Callable<Integer> {
    private static final List<Integer> SIZES = List.of(1, 2, 4, 8, 16, 32);

    @Option(names = "--models", defaultValue = "models")
    Path models;

    @Option(
            names = "--seconds",
            defaultValue = "2",
            description = "Seconds per steady measurement (default ${DEFAULT-VALUE})")
    double seconds;

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();

    @Override
    public Integer call() throws Exception {
        Path model = models.resolve("ppocr-det/1/model.onnx");
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException(model + " is missing; run models/fetch first");
        }
        for (CudaOptions.ConvAlgoSearch search : CudaOptions.ConvAlgoSearch.values()) {
            String key = "cuda." + search.name().toLowerCase(Locale.ROOT) + ".";
            CudaOptions options = CudaOptions.DEFAULTS.withConvAlgoSearch(search);
            long t = System.nanoTime();
            try (OrtSession session = open(model, options, null)) {
                Report.value(key + "session_ms", (System.nanoTime() - t) / 1e6);
                for (int b : SIZES) {
                    Report.value(key + "first_run_ms.b" + b, runMs(session, b, 0));
                    Report.value(key + "second_run_ms.b" + b, runMs(session, b, 1));
                }
                for (int b : List.of(1, 8, 32)) {
                    steady(key, session, b);
                }
                if (search == CudaOptions.ConvAlgoSearch.HEURISTIC) {
                    switches(key, session);
                }
            }
        }
        String key = "cuda.heuristic_copy_stream.";
        try (OrtSession session = open(model, CudaOptions.DEFAULTS.withCopyInDefaultStream(false), null)) {
            for (int b : SIZES) {
                runMs(session, b, 0);
            }
            for (int b : List.of(8, 32)) {
                steady(key, session, b);
            }
        }
        // Provider options config.yaml does not expose: do they change first runs or steady speed?
        for (Map.Entry<String, Map<String, String>> extra : Map.of(
                        "max_workspace_off", Map.of("cudnn_conv_use_max_workspace", "0"),
                        "nhwc", Map.of("prefer_nhwc", "1"))
                .entrySet()) {
            String k = "cuda.heuristic_" + extra.getKey() + ".";
            long t = System.nanoTime();
            try (OrtSession session = open(model, CudaOptions.DEFAULTS, null, extra.getValue())) {
                Report.value(k + "session_ms", (System.nanoTime() - t) / 1e6);
                for (int b : List.of(1, 8, 32)) {
                    Report.value(k + "first_run_ms.b" + b, runMs(session, b, 0));
                }
                for (int b : List.of(1, 32)) {
                    steady(k, session, b);
                }
            } catch (OrtException | RuntimeException e) {
                Report.value(k + "error", String.valueOf(e.getMessage()).replace('\n', ' '));
            }
        }
        threads(model);
        graphs(model);
        try {
            profile(model);
        } catch (Exception e) {
            Report.value("cuda.profile.error", String.valueOf(e).replace('\n', ' '));
        }
        return 0;
    }

    private OrtSession open(Path model, CudaOptions options, Path profileTo) throws OrtException {
        return open(model, options, profileTo, Map.of());
    }

    private OrtSession open(Path model, CudaOptions options, Path profileTo, Map<String, String> extra)
            throws OrtException {
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (profileTo != null) {
                o.enableProfiling(profileTo.toString());
            }
            GpuMode.addCuda(o, options, extra);
            return env.createSession(model.toString(), o);
        }
    }

    private static ByteBuffer images(int batch, int seed) {
        int n = batch * 3 * 640 * 640;
        ByteBuffer data = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            data.putFloat(i * 4, ((i + seed) % 251) / 251f);
        }
        return data;
    }

    private double runMs(OrtSession session, int batch, int seed) throws OrtException {
        try (OnnxTensor x = OnnxTensor.createTensor(
                env, images(batch, seed), new long[] {batch, 3, 640, 640}, OnnxJavaType.FLOAT)) {
            long t = System.nanoTime();
            try (OrtSession.Result r = session.run(Map.of("x", x))) {
                ((OnnxTensor) r.get(0)).getByteBuffer();
            }
            return (System.nanoTime() - t) / 1e6;
        }
    }

    /**
     * A session warmed at batch 1 on this thread, then run at batch 1 on a new thread, twice: does
     * a thread that has not run the session before pay first-run work again (the worker warms on
     * warmup threads and serves on its runner threads)?
     */
    private void threads(Path model) throws Exception {
        try (OrtSession session = open(model, CudaOptions.DEFAULTS, null)) {
            runMs(session, 1, 0);
            runMs(session, 1, 1);
            double[] same = {runMs(session, 1, 2), runMs(session, 1, 3), runMs(session, 1, 4)};
            double[] fresh = new double[3];
            double[] second = new double[3];
            for (int i = 0; i < 3; i++) {
                int k = i;
                Thread t = new Thread(() -> {
                    try {
                        fresh[k] = runMs(session, 1, 5 + k);
                        second[k] = runMs(session, 1, 9 + k);
                    } catch (OrtException e) {
                        throw new IllegalStateException(e);
                    }
                });
                t.start();
                t.join();
            }
            Report.value("cuda.thread.same_thread_b1_ms", SideBySide.median(same));
            Report.value("cuda.thread.new_thread_first_b1_ms", SideBySide.median(fresh));
            Report.value("cuda.thread.new_thread_second_b1_ms", SideBySide.median(second));
        }
    }

    /** One session fed batch 1 and 32 in turn: does each change of shape pay the first run again? */
    private void switches(String key, OrtSession session) throws OrtException {
        double[] to1 = new double[3];
        double[] to32 = new double[3];
        for (int i = 0; i < 3; i++) {
            to32[i] = runMs(session, 32, i);
            to1[i] = runMs(session, 1, i);
        }
        Report.value(key + "switch_to_b32_ms", SideBySide.median(to32));
        Report.value(key + "switch_to_b1_ms", SideBySide.median(to1));
        runMs(session, 1, 7);
        Report.value(key + "repeat_b1_ms", runMs(session, 1, 8));
    }

    private void steady(String key, OrtSession session, int batch) throws OrtException {
        runMs(session, batch, 0); // a change of shape pays the first run again: not steady
        runMs(session, batch, 1);
        try (OnnxTensor x =
                OnnxTensor.createTensor(env, images(batch, 0), new long[] {batch, 3, 640, 640}, OnnxJavaType.FLOAT)) {
            long until = System.nanoTime() + (long) (seconds * 1e9);
            double[] ms = new double[100_000];
            int runs = 0;
            long start = System.nanoTime();
            while (System.nanoTime() < until && runs < ms.length) {
                long t = System.nanoTime();
                try (OrtSession.Result r = session.run(Map.of("x", x))) {
                    ((OnnxTensor) r.get(0)).getByteBuffer();
                }
                ms[runs++] = (System.nanoTime() - t) / 1e6;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            double[] done = Arrays.copyOf(ms, runs);
            Arrays.sort(done);
            Report.value(key + "steady_b" + batch + "_rows_per_s", runs * batch / elapsed);
            Report.value(key + "steady_b" + batch + "_p50_ms", done[runs / 2]);
        }
    }

    /** CUDA graphs at batch 1: replayed with new input values, are the outputs those of a plain session? */
    private void graphs(Path model) {
        try (OrtSession plain = open(model, CudaOptions.DEFAULTS, null);
                OrtSession graph = open(model, CudaOptions.DEFAULTS.withCudaGraph(true), null)) {
            double worst = 0;
            for (int seed = 0; seed < 3; seed++) {
                float[] a = output(plain, seed);
                float[] b = output(graph, seed);
                for (int i = 0; i < a.length; i++) {
                    worst = Math.max(worst, Math.abs(a[i] - b[i]));
                }
            }
            Report.value("cuda.graph.max_abs_diff", worst);
            Report.value("cuda.graph.correct", Boolean.toString(worst < 1e-3));
            steady("cuda.graph.", graph, 1);
        } catch (OrtException | RuntimeException e) {
            Report.value("cuda.graph.error", e.getMessage().replace('\n', ' '));
        }
    }

    private float[] output(OrtSession session, int seed) throws OrtException {
        try (OnnxTensor x =
                        OnnxTensor.createTensor(env, images(1, seed), new long[] {1, 3, 640, 640}, OnnxJavaType.FLOAT);
                OrtSession.Result r = session.run(Map.of("x", x))) {
            FloatBuffer f = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] out = new float[f.remaining()];
            f.get(out);
            return out;
        }
    }

    /**
     * ONNX Runtime's profiler at batches 1, 8 and 32, 2 unmeasured runs then 5 measured ones each:
     * per run, the host-to-device copy (MemcpyFromHost, from pageable memory: synchronous), the other
     * nodes (kernel launches; the GPU runs them asynchronously) and MemcpyToHost (waits for the
     * kernels, then copies back). Runs are told apart by the profile's model_run events, in order.
     */
    private void profile(Path model) throws Exception {
        Path dir = Files.createTempDirectory("ember-cuda-profile");
        List<Integer> sizes = List.of(1, 8, 32);
        int perSize = 7;
        String file;
        try (OrtSession session = open(model, CudaOptions.DEFAULTS, dir.resolve("ort"))) {
            for (int b : sizes) {
                for (int i = 0; i < perSize; i++) {
                    double ms = runMs(session, b, i);
                    if (i >= 2) {
                        Report.value("cuda.profile.b" + b + ".wall_ms." + (i - 2), ms);
                    }
                }
            }
            file = session.endProfiling();
        }
        JsonNode events = new ObjectMapper().readTree(Path.of(file).toFile());
        List<long[]> runs = new java.util.ArrayList<>(); // [start us, end us]
        for (JsonNode e : events) {
            if ("Session".equals(e.path("cat").asText())
                    && "model_run".equals(e.path("name").asText())) {
                long ts = e.path("ts").asLong();
                runs.add(new long[] {ts, ts + e.path("dur").asLong()});
            }
        }
        runs.sort(java.util.Comparator.comparingLong(r -> r[0]));
        Report.value("cuda.profile.model_runs", runs.size());
        Map<String, double[]> sums = new TreeMap<>(); // group -> ms per size index
        Map<Integer, Map<String, Double>> firstRun = new TreeMap<>(); // size -> op -> ms
        for (JsonNode e : events) {
            if (!"Node".equals(e.path("cat").asText())
                    || !e.path("name").asText().endsWith("_kernel_time")) {
                continue;
            }
            long ts = e.path("ts").asLong();
            int run = -1;
            for (int r = 0; r < runs.size(); r++) {
                if (ts >= runs.get(r)[0] && ts <= runs.get(r)[1]) {
                    run = r;
                    break;
                }
            }
            if (run < 0 || run / perSize >= sizes.size()) {
                continue;
            }
            String op = e.path("args").path("op_name").asText();
            if (run % perSize == 0) { // a size's first run: where does its first-run cost go?
                firstRun.computeIfAbsent(sizes.get(run / perSize), k -> new TreeMap<>())
                        .merge(op, e.path("dur").asDouble() / 1000.0, Double::sum);
                continue;
            }
            if (run % perSize < 2) {
                continue;
            }
            String group = op.equals("MemcpyFromHost") ? "h2d" : op.equals("MemcpyToHost") ? "sync_d2h" : "nodes";
            sums.computeIfAbsent(group, k -> new double[sizes.size()])[run / perSize] +=
                    e.path("dur").asDouble() / 1000.0;
        }
        for (Map.Entry<String, double[]> g : sums.entrySet()) {
            for (int k = 0; k < sizes.size(); k++) {
                Report.value(
                        "cuda.profile.b" + sizes.get(k) + "." + g.getKey() + "_ms_per_run",
                        g.getValue()[k] / (perSize - 2));
            }
        }
        for (Map.Entry<Integer, Map<String, Double>> f : firstRun.entrySet()) {
            String k = "cuda.profile.b" + f.getKey() + ".first_run.";
            int index = sizes.indexOf(f.getKey()) * perSize;
            if (index < runs.size()) {
                Report.value(k + "model_run_ms", (runs.get(index)[1] - runs.get(index)[0]) / 1000.0);
            }
            Report.value(
                    k + "nodes_ms",
                    f.getValue().values().stream()
                            .mapToDouble(Double::doubleValue)
                            .sum());
            f.getValue().entrySet().stream()
                    .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                    .limit(4)
                    .forEach(op -> Report.value(k + "op." + op.getKey() + "_ms", op.getValue()));
        }
        Report.value("cuda.profile.file", file);
    }
}
