package dev.ember.pool.worker.batching;

import dev.ember.pool.api.Tensor;
import java.util.Map;

/**
 * One request's share of a batch: its outputs, and what it cost.
 *
 * @param queueNanos from submission to the start of its batch
 * @param computeNanos the batch's run time
 * @param batchRows rows in the batch it rode in
 */
public record BatchResult(Map<String, Tensor> outputs, long queueNanos, long computeNanos, long batchRows) {
    public BatchResult {
        outputs = Map.copyOf(outputs);
    }
}
