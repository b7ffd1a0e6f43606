package dev.ember.warmup.plan;

import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import dev.ember.pool.api.codec.InferenceCodec;
import dev.ember.pool.api.config.ModelConfig;
import dev.ember.pool.api.config.WarmupPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What a worker runs on a freshly loaded model before it reports it ready, derived from the model's
 * config and metadata alone: the first real requests then find memory plans made, code compiled and
 * (on a GPU) cuDNN's per-shape algorithm search done — 0.8–2.5 s per new shape on an H100/H200,
 * which a user's request must never pay. The worker executes the plan on its own session; {@code
 * bin/ember warmup prepare} executes it ahead of deployment.
 *
 * @param steps the runs, in order
 * @param strict true when the model's config spelled the inputs out (shapes or a sample file): a
 *     failing step then fails the load, because the config is wrong; with inputs guessed from
 *     metadata a failure only means the guess was, and the model is served cold
 * @param inputs builds each step's tensors
 */
public record WarmupPlan(List<WarmupStep> steps, boolean strict, WarmupInputs inputs) {
    public static final WarmupPlan NONE = new WarmupPlan(List.of(), false, null);

    public WarmupPlan {
        steps = List.copyOf(steps);
        if (!steps.isEmpty()) {
            Objects.requireNonNull(inputs, "inputs");
        }
    }

    /**
     * The plan for one model version.
     *
     * @param batched whether requests are stacked along dimension 0 (batching on and the model has a
     *     batch dimension)
     * @param modelDir the model's folder, against which {@code warmup.sample_inputs} is resolved
     * @throws InferenceException MODEL_ERROR if the sample file cannot be read or lacks an input
     */
    public static WarmupPlan of(ModelConfig config, ModelMetadata metadata, boolean batched, Path modelDir) {
        WarmupPolicy policy = config.warmup();
        if (!policy.enabled()) {
            return NONE;
        }
        List<Integer> sizes = batchSizes(config, batched);
        List<WarmupStep> steps = new ArrayList<>(sizes.size());
        if (policy.optionalSampleInputs().isPresent()) {
            InferenceRequest sample = readSample(modelDir.resolve(policy.sampleInputs()), metadata);
            for (int size : sizes) {
                steps.add(sampleStep(sample, metadata, size, batched));
            }
            return new WarmupPlan(steps, policy.explicitInputs(), WarmupInputs.sample(metadata, sample, batched));
        }
        for (int size : sizes) {
            steps.add(syntheticStep(metadata, policy, size, batched));
        }
        return new WarmupPlan(steps, policy.explicitInputs(), WarmupInputs.synthetic(metadata));
    }

    /**
     * Which batch sizes are warmed — the one place that decides it, and so the sizes {@link
     * #paddedRows} pads to. A model that does not batch runs once at 1. {@code warmup.batch_sizes}
     * replaces the default (sizes above {@code max_batch_size} are dropped: the batcher never forms
     * them; with {@code pad_batches} the maximum is added, so every batch has a warmed size to pad
     * to). The default is 1, every preferred size and the maximum — the sizes a batcher forms most (a
     * full batch, a preferred prefix, one request alone) — except on a GPU without {@code
     * pad_batches}, where every size from 1 to the maximum is warmed: there each size the batcher
     * forms for the first time pays cuDNN's algorithm search. Ascending, without duplicates.
     */
    public static List<Integer> batchSizes(ModelConfig config, boolean batched) {
        if (!batched) {
            return List.of(1);
        }
        WarmupPolicy policy = config.warmup();
        TreeSet<Integer> sizes = new TreeSet<>();
        if (!policy.batchSizes().isEmpty()) {
            policy.batchSizes().stream().filter(b -> b <= config.maxBatchSize()).forEach(sizes::add);
            if (config.padBatches()) {
                sizes.add(config.maxBatchSize());
            }
            return List.copyOf(sizes);
        }
        if (config.device().isGpu() && !config.padBatches()) {
            for (int b = 1; b <= config.maxBatchSize(); b++) {
                sizes.add(b);
            }
            return List.copyOf(sizes);
        }
        sizes.addAll(config.preferredBatchSizes());
        sizes.add(1);
        sizes.add(config.maxBatchSize());
        return List.copyOf(sizes);
    }

    /**
     * The rows a batch of {@code rows} runs at: with {@code pad_batches}, the smallest warmed size
     * ({@link #batchSizes}) that holds it, so the model meets no shape warmup did not run; otherwise
     * {@code rows} itself.
     */
    public static int paddedRows(int rows, List<Integer> warmedSizes, boolean pad) {
        if (pad) {
            for (int size : warmedSizes) {
                if (size >= rows) {
                    return size;
                }
            }
        }
        return rows;
    }

    /** The step of {@code size} rows with synthetic inputs (dynamic dimensions from {@code policy.shapes}). */
    public static WarmupStep syntheticStep(ModelMetadata metadata, WarmupPolicy policy, int size, boolean batched) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (TensorMetadata input : metadata.inputs()) {
            shapes.put(input.name(), shapeFor(input, policy.shapes().get(input.name()), size, batched));
        }
        return new WarmupStep(size, shapes);
    }

    /** The tensors of {@code step}. */
    public Map<String, Tensor> inputsFor(WarmupStep step) {
        return inputs.forStep(step);
    }

    public boolean isEmpty() {
        return steps.isEmpty();
    }

    /**
     * A configured shape wins over the declared one; a dynamic dimension is the batch size in
     * dimension 0 of a batched model and 1 elsewhere; without a configured shape a batched model's
     * dimension 0 is always the batch size.
     */
    private static Shape shapeFor(TensorMetadata input, List<Long> configured, int size, boolean batched) {
        long[] dims = configured != null
                ? configured.stream().mapToLong(Long::longValue).toArray()
                : input.shape().toArray();
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            long d = dims[i];
            if (d == Shape.DYNAMIC) {
                d = i == 0 && batched ? size : 1;
            }
            out[i] = d;
        }
        if (batched && out.length > 0 && configured == null) {
            out[0] = size;
        }
        return Shape.of(out);
    }

    private static WarmupStep sampleStep(InferenceRequest sample, ModelMetadata metadata, int size, boolean batched) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        for (TensorMetadata input : metadata.inputs()) {
            Tensor t = sample.input(input.name()).orElseThrow();
            boolean repeated =
                    batched && t.datatype() != DataType.BYTES && t.shape().rank() > 0;
            shapes.put(input.name(), repeated ? t.shape().withBatch(size) : t.shape());
        }
        return new WarmupStep(size, shapes);
    }

    private static InferenceRequest readSample(Path file, ModelMetadata metadata) {
        InferenceRequest sample;
        try {
            sample = new InferenceCodec().decodeRequest(Files.readAllBytes(file), -1);
        } catch (IOException | RuntimeException e) {
            throw new InferenceException(
                    InferenceException.Reason.MODEL_ERROR,
                    "cannot read warmup sample " + file + ": " + e.getMessage(),
                    null,
                    e);
        }
        for (TensorMetadata input : metadata.inputs()) {
            if (sample.input(input.name()).isEmpty()) {
                throw new InferenceException(
                        InferenceException.Reason.MODEL_ERROR,
                        "warmup sample " + file + " has no input '" + input.name() + "'",
                        null,
                        null);
            }
        }
        return sample;
    }
}
