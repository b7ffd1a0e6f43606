package dev.ember.pool.worker.warmup;

import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.config.Device;
import dev.ember.pool.api.config.ModelConfigReader;
import dev.ember.pool.worker.batching.DeadlineScheduler;
import dev.ember.pool.worker.metrics.WorkerMetrics;
import dev.ember.pool.worker.repository.ModelLocation;
import dev.ember.pool.worker.serving.RequestOptions;
import dev.ember.pool.worker.serving.ServedModel;
import dev.ember.warmup.plan.WarmupInputs;
import dev.ember.warmup.plan.WarmupPlan;
import dev.ember.warmup.plan.WarmupStep;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What a spare runtime does while it waits: it loads, warms, runs and drops a tiny built-in model
 * (the 824-byte identity model of every datatype from {@code models/identity-types}), so the code
 * a real load runs — config parsing, session creation, warmup, batching, tensor conversion, meters
 * — is loaded and compiled before a request depends on it. The real model is never touched here,
 * so nothing it needs is precomputed for it. A spare for a GPU practises on its device: CUDA's
 * context, the CUDA and cuDNN libraries and the execution provider's setup (about half a second
 * of the first session on the H200) are then paid before a model is given. Where the device cannot
 * be used the practice falls back to CPU, as a model that does not require its GPU would.
 */
public final class SparePractice {
    private static final System.Logger LOG = System.getLogger(SparePractice.class.getName());

    private SparePractice() {}

    /** @return how long the practice took */
    public static Duration run(DeadlineScheduler deadlines, Device device) {
        long start = System.nanoTime();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("ember-practice");
            Path model = Files.createDirectories(dir.resolve("practice").resolve("1"))
                    .resolve("model.onnx");
            try (InputStream in = SparePractice.class.getResourceAsStream("practice.onnx")) {
                Files.copy(in, model);
            }
            var config = ModelConfigReader.parse("max_batch_size: 8\nmax_queue_delay_ms: 0\ndevice: " + device + "\n");
            ModelLocation location = new ModelLocation("practice", 1, model, config);
            try (ServedModel served = ServedModel.load(location, deadlines, new WorkerMetrics(), Optional.empty())) {
                WarmupStep two = WarmupPlan.syntheticStep(served.metadata(), config.warmup(), 2, true);
                var request = InferenceRequest.of(WarmupInputs.synthetic(served.metadata())
                        .forStep(two)
                        .values()
                        .toArray(Tensor[]::new));
                served.infer(request, RequestOptions.NONE).get(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "spare practice run failed (the spare still serves): {0}",
                    e.toString());
        } finally {
            deleteQuietly(dir);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** The model {@link HttpPractice} sends to, in a temporary folder deleted on {@link #close}. */
    public record HttpModel(ModelLocation location, Path dir) implements AutoCloseable {
        @Override
        public void close() {
            deleteQuietly(dir);
        }
    }

    /** An identity of any FP32 [rows, cols] shape, unbatched, on {@code device}. */
    public static HttpModel httpModel(Device device) {
        try {
            Path dir = Files.createTempDirectory("ember-practice-http");
            Path model = Files.createDirectories(dir.resolve(HttpPractice.MODEL).resolve("1"))
                    .resolve("model.onnx");
            try (InputStream in = SparePractice.class.getResourceAsStream("practice-http.onnx")) {
                Files.copy(in, model);
            }
            var config =
                    ModelConfigReader.parse("max_batch_size: 0\nwarmup: {enabled: false}\ndevice: " + device + "\n");
            return new HttpModel(new ModelLocation(HttpPractice.MODEL, 1, model, config), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temp dir left behind
        }
    }
}
