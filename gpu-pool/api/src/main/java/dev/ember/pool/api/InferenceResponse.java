package dev.ember.pool.api;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** An Open Inference Protocol inference response. */
public record InferenceResponse(
        String modelName, String modelVersion, String id, Parameters parameters, List<Tensor> outputs) {

    public InferenceResponse {
        Objects.requireNonNull(modelName, "modelName");
        Objects.requireNonNull(parameters, "parameters");
        outputs = List.copyOf(outputs);
    }

    public Optional<Tensor> output(String name) {
        return outputs.stream().filter(t -> t.name().equals(name)).findFirst();
    }

    public InferenceResponse withParameters(Parameters newParameters) {
        return new InferenceResponse(modelName, modelVersion, id, newParameters, outputs);
    }

    public InferenceResponse withId(String newId) {
        return new InferenceResponse(modelName, modelVersion, newId, parameters, outputs);
    }
}
