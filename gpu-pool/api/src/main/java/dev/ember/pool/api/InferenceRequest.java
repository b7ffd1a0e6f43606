package dev.ember.pool.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** An Open Inference Protocol inference request (the body of {@code POST .../infer}). */
public record InferenceRequest(String id, Parameters parameters, List<Tensor> inputs, List<RequestedOutput> outputs) {

    public InferenceRequest {
        Objects.requireNonNull(parameters, "parameters");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    public static InferenceRequest of(Tensor... inputs) {
        return new InferenceRequest(null, Parameters.EMPTY, List.of(inputs), List.of());
    }

    public Optional<String> optionalId() {
        return Optional.ofNullable(id);
    }

    public Optional<Tensor> input(String name) {
        return inputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public InferenceRequest withParameters(Parameters newParameters) {
        return new InferenceRequest(id, newParameters, inputs, outputs);
    }

    public InferenceRequest withOutputs(List<RequestedOutput> newOutputs) {
        return new InferenceRequest(id, parameters, inputs, newOutputs);
    }
}
