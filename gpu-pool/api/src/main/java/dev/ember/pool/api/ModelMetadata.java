package dev.ember.pool.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The answer of {@code GET /v2/models/{name}[/versions/{v}]}. {@code parameters} is an Ember
 * extension that other v2 clients ignore: the model's serving policy ({@link
 * dev.ember.pool.api.config.ModelPolicy}).
 */
public record ModelMetadata(
        String name,
        List<String> versions,
        String platform,
        List<TensorMetadata> inputs,
        List<TensorMetadata> outputs,
        Parameters parameters) {

    public static final String PLATFORM = "onnxruntime_onnx";

    public ModelMetadata {
        Objects.requireNonNull(name, "name");
        versions = List.copyOf(versions);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        parameters = parameters == null ? Parameters.EMPTY : parameters;
    }

    public ModelMetadata(
            String name,
            List<String> versions,
            String platform,
            List<TensorMetadata> inputs,
            List<TensorMetadata> outputs) {
        this(name, versions, platform, inputs, outputs, Parameters.EMPTY);
    }

    public ModelMetadata withParameters(Parameters newParameters) {
        return new ModelMetadata(name, versions, platform, inputs, outputs, newParameters);
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
