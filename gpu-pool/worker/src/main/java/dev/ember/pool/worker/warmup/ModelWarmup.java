package dev.ember.pool.worker.warmup;

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
import dev.ember.pool.worker.batching.BatchRunner;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Runs a freshly loaded model once per batch size it will see, before it is reported ready: the
 * first real requests then find memory plans made, code compiled and (on a GPU) cuDNN's per-shape
 * algorithm search done — 1–2.5 s per shape on an H100, which a user's request must never pay.
 * Inputs come from the model's sample file, or are synthetic, built from its metadata and the
 * shapes config.yaml gives for dimensions the model leaves open.
 */
public final class ModelWarmup {
    private static final System.Logger LOG = System.getLogger(ModelWarmup.class.getName());

    private ModelWarmup() {}

    /**
     * Warms {@code runner}. A failure with inputs the config spelled out fails the load; with
     * guessed synthetic inputs it is logged and the model is served cold.
     *
     * @return how many runs were made
     */
    public static int run(
            String model,
            BatchRunner runner,
            ModelMetadata metadata,
            ModelConfig config,
            boolean batched,
            Path modelDir) {
        WarmupPolicy policy = config.warmup();
        if (!policy.enabled()) {
            return 0;
        }
        int runs = 0;
        for (int size : sizes(policy, config, batched)) {
            Map<String, Tensor> inputs;
            try {
                inputs = policy.optionalSampleInputs().isPresent()
                        ? fromSample(modelDir.resolve(policy.sampleInputs()), metadata, size, batched)
                        : synthetic(metadata, policy, size, batched);
                runner.run(inputs, Set.of());
                runs++;
            } catch (RuntimeException e) {
                String what = "warmup of model '" + model + "' at batch size " + size + " failed: " + e.getMessage();
                if (policy.explicitInputs()) {
                    throw new InferenceException(InferenceException.Reason.MODEL_ERROR, what, null, e);
                }
                LOG.log(
                        System.Logger.Level.WARNING,
                        "{0}; serving it cold. Give warmup.shapes or warmup.sample_inputs in its config.yaml",
                        what);
                return runs;
            }
        }
        return runs;
    }

    static List<Integer> sizes(WarmupPolicy policy, ModelConfig config, boolean batched) {
        if (!batched) {
            return List.of(1);
        }
        if (!policy.batchSizes().isEmpty()) {
            return policy.batchSizes().stream()
                    .filter(b -> b <= config.maxBatchSize())
                    .toList();
        }
        TreeSet<Integer> sizes = new TreeSet<>(config.preferredBatchSizes());
        sizes.add(1);
        sizes.add(config.maxBatchSize());
        return List.copyOf(sizes);
    }

    /** Synthetic inputs of {@code size} rows for every input of {@code metadata}. */
    public static Map<String, Tensor> synthetic(
            ModelMetadata metadata, WarmupPolicy policy, int size, boolean batched) {
        SplittableRandom random = new SplittableRandom(17);
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorMetadata input : metadata.inputs()) {
            long[] dims = shapeFor(input, policy.shapes().get(input.name()), size, batched);
            inputs.put(input.name(), fill(input.name(), input.datatype(), Shape.of(dims), random));
        }
        return inputs;
    }

    private static long[] shapeFor(TensorMetadata input, List<Long> configured, int size, boolean batched) {
        long[] declared = input.shape().toArray();
        long[] dims = configured != null
                ? configured.stream().mapToLong(Long::longValue).toArray()
                : declared;
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
        return out;
    }

    private static Tensor fill(String name, DataType type, Shape shape, SplittableRandom random) {
        int n = Math.toIntExact(shape.elementCount());
        if (type == DataType.BYTES) {
            List<byte[]> empty = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                empty.add(new byte[0]);
            }
            return Tensor.ofByteStrings(name, shape, empty);
        }
        ByteBuffer data = ByteBuffer.allocate(n * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (type) {
                case FP32 -> data.putFloat((float) random.nextDouble());
                case FP64 -> data.putDouble(random.nextDouble());
                case FP16 -> data.putShort(dev.ember.pool.api.Float16.fromFloat((float) random.nextDouble()));
                case BF16 -> data.putShort(dev.ember.pool.api.Float16.floatToBf16((float) random.nextDouble()));
                default -> data.position(data.position() + type.byteSize()); // integers and booleans: zero
            }
        }
        return Tensor.of(name, type, shape, data.flip());
    }

    /** The sample request's inputs, their rows repeated (cyclically) to {@code size} rows. */
    static Map<String, Tensor> fromSample(Path file, ModelMetadata metadata, int size, boolean batched) {
        InferenceRequest sample;
        try {
            sample = new InferenceCodec().decodeRequest(Files.readAllBytes(file), -1);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read warmup sample " + file + ": " + e.getMessage(), e);
        }
        Map<String, Tensor> inputs = new LinkedHashMap<>();
        for (TensorMetadata input : metadata.inputs()) {
            Tensor t = sample.input(input.name())
                    .orElseThrow(() -> new IllegalStateException(file + " has no input '" + input.name() + "'"));
            inputs.put(input.name(), batched ? repeatRows(t, size) : t);
        }
        return inputs;
    }

    private static Tensor repeatRows(Tensor t, int rows) {
        long have = t.shape().dim(0);
        if (have == rows || t.datatype() == DataType.BYTES) {
            return t;
        }
        int rowBytes = (int) (t.byteSize() / have);
        ByteBuffer out = ByteBuffer.allocate(rowBytes * rows).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer src = t.data();
        for (int r = 0; r < rows; r++) {
            int from = (int) (r % have) * rowBytes;
            out.put(src.slice(from, rowBytes));
        }
        return Tensor.of(t.name(), t.datatype(), t.shape().withBatch(rows), out.flip());
    }
}
