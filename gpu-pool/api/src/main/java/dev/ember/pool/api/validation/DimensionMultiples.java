package dev.ember.pool.api.validation;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import dev.ember.pool.api.config.ModelConfigException;
import java.util.List;
import java.util.Map;

/**
 * A model's {@code dims_multiple_of} rule: sizes its graph accepts only in steps (PaddleOCR
 * detection takes images whose sides are multiples of 32). A request that breaks it is a 400
 * saying which sizes would do, instead of an error from deep inside the model.
 */
public final class DimensionMultiples {
    private final String model;
    private final Map<String, List<Long>> divisors;

    private DimensionMultiples(String model, Map<String, List<Long>> divisors) {
        this.model = model;
        this.divisors = divisors;
    }

    /** The rule for {@code model}; fails if it names an input the model lacks, or has the wrong rank. */
    public static DimensionMultiples of(String model, Map<String, List<Long>> divisors, ModelMetadata metadata) {
        divisors.forEach((input, perDim) -> {
            TensorMetadata declared = metadata.input(input)
                    .orElseThrow(() -> new ModelConfigException(
                            "dims_multiple_of names input '" + input + "', but " + model + " has inputs "
                                    + metadata.inputs().stream()
                                            .map(TensorMetadata::name)
                                            .toList(),
                            null));
            if (declared.shape().rank() != perDim.size()) {
                throw new ModelConfigException(
                        "dims_multiple_of." + input + " lists " + perDim.size() + " divisors, but input '" + input
                                + "' of " + model + " has rank "
                                + declared.shape().rank(),
                        null);
            }
        });
        return new DimensionMultiples(model, divisors);
    }

    /** Throws {@link InferenceException} (bad input) if an input's size breaks the rule. */
    public void check(InferenceRequest request) {
        divisors.forEach((input, perDim) -> request.input(input).ifPresent(t -> check(t, perDim)));
    }

    private void check(Tensor t, List<Long> perDim) {
        Shape shape = t.shape();
        for (int axis = 0; axis < Math.min(shape.rank(), perDim.size()); axis++) {
            long step = perDim.get(axis);
            long size = shape.dim(axis);
            if (size % step != 0) {
                long below = size / step * step;
                throw InferenceException.badInput("input '" + t.name() + "' has size " + size + " in dimension "
                        + axis + "; " + model + " takes only multiples of " + step + " there (e.g. "
                        + (below > 0 ? below + " or " : "") + (below + step) + ")");
            }
        }
    }
}
