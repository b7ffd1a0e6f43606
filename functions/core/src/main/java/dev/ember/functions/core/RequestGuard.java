package dev.ember.functions.core;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.validation.RequestValidator;
import java.util.regex.Pattern;

/**
 * Checks a call before it costs anything downstream: a model name that can only name a model, an
 * element cap, the model's signature, and its batch limit. Every failure is a 400 that says what to
 * change.
 */
final class RequestGuard {
    private static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private final long maxElements;

    RequestGuard(long maxElements) {
        this.maxElements = maxElements;
    }

    String requireModel(String model) {
        if (model == null || model.isBlank()) {
            throw InferenceException.badInput("the request names no model: add \"model\": \"<name>\"");
        }
        if (!MODEL_NAME.matcher(model).matches() || model.contains("..")) {
            throw InferenceException.badInput("invalid model name '" + model + "'");
        }
        return model;
    }

    void validate(InferenceRequest request, ModelInfo info) {
        long elements = 0;
        for (Tensor t : request.inputs()) {
            elements += t.elementCount();
        }
        if (elements > maxElements) {
            throw InferenceException.badInput("the request carries " + elements + " tensor elements; the limit is "
                    + maxElements + " per request: split it");
        }
        int maxBatch = info.policy().maxBatchSize();
        RequestValidator.validate(request, info.metadata(), maxBatch > 0);
        if (maxBatch > 0) {
            long rows = request.inputs().get(0).shape().dim(0);
            if (rows > maxBatch) {
                throw InferenceException.badInput("the request has " + rows + " rows but model '" + info.name()
                        + "' takes at most " + maxBatch + " per request (max_batch_size); split it");
            }
        }
    }
}
