package dev.ember.pool.worker.batching;

import dev.ember.pool.api.Tensor;
import java.util.Map;
import java.util.Set;

/**
 * Runs one batch through a model. Input tensors may be backed by a runner-owned staging buffer
 * that is reused for the next batch: an implementation must not keep them after returning.
 */
@FunctionalInterface
public interface BatchRunner {

    /**
     * @param inputs every model input, stacked along dimension 0 when the model batches
     * @param outputs the outputs to compute; empty means all
     * @return outputs by name; failures are thrown as {@code InferenceException}
     */
    Map<String, Tensor> run(Map<String, Tensor> inputs, Set<String> outputs);
}
