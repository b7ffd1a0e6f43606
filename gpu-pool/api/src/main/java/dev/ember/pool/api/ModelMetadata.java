package dev.ember.pool.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** The answer of {@code GET /v2/models/{name}[/versions/{v}]}. */
public record ModelMetadata(
        String name,
        List<String> versions,
        String platform,
        List<TensorMetadata> inputs,
        List<TensorMetadata> outputs) {

    public static final String PLATFORM = "onnxruntime_onnx";

    public ModelMetadata {
        Objects.requireNonNull(name, "name");
        versions = List.copyOf(versions);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public Optional<TensorMetadata> input(String inputName) {
        return inputs.stream().filter(t -> t.name().equals(inputName)).findFirst();
    }

    public Optional<TensorMetadata> output(String outputName) {
        return outputs.stream().filter(t -> t.name().equals(outputName)).findFirst();
    }

    /** True if every input and output has a dynamic dimension 0, so requests can be stacked. */
    public boolean batchable() {
        return !inputs.isEmpty()
                && inputs.stream().allMatch(TensorMetadata::hasDynamicBatchDim)
                && outputs.stream().allMatch(TensorMetadata::hasDynamicBatchDim);
    }
}
