package dev.ember.warmup.plan;

import dev.ember.pool.api.DataType;
import dev.ember.pool.api.Float16;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Builds the tensors of a {@link WarmupStep}: synthetic ones from the model's metadata (random
 * floats, zero integers and booleans, empty strings — values do not matter, shapes and types do),
 * or the rows of a sample request repeated to the step's batch size.
 */
public sealed interface WarmupInputs {

    Map<String, Tensor> forStep(WarmupStep step);

    /** Synthetic inputs for {@code metadata}; the same seed every time, so warmup is reproducible. */
    static WarmupInputs synthetic(ModelMetadata metadata) {
        return new Synthetic(metadata);
    }

    /** The inputs of {@code sample}, their rows repeated (cyclically) to each step's batch size. */
    static WarmupInputs sample(ModelMetadata metadata, InferenceRequest sample, boolean batched) {
        return new Sample(metadata, sample, batched);
    }

    record Synthetic(ModelMetadata metadata) implements WarmupInputs {
        @Override
        public Map<String, Tensor> forStep(WarmupStep step) {
            SplittableRandom random = new SplittableRandom(17);
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            for (TensorMetadata input : metadata.inputs()) {
                inputs.put(
                        input.name(),
                        fill(input.name(), input.datatype(), step.shapes().get(input.name()), random));
            }
            return inputs;
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
                    case FP16 -> data.putShort(Float16.fromFloat((float) random.nextDouble()));
                    case BF16 -> data.putShort(Float16.floatToBf16((float) random.nextDouble()));
                    default -> data.position(data.position() + type.byteSize()); // integers and booleans: zero
                }
            }
            return Tensor.of(name, type, shape, data.flip());
        }
    }

    record Sample(ModelMetadata metadata, InferenceRequest sample, boolean batched) implements WarmupInputs {
        @Override
        public Map<String, Tensor> forStep(WarmupStep step) {
            Map<String, Tensor> inputs = new LinkedHashMap<>();
            for (TensorMetadata input : metadata.inputs()) {
                Tensor t = sample.input(input.name()).orElseThrow();
                inputs.put(input.name(), batched ? repeatRows(t, step.batchSize()) : t);
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
}
