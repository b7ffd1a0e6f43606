package dev.ember.pool.worker.batching;

/**
 * Where one batch's time went on its runner thread, in nanoseconds.
 *
 * @param requests requests in the batch
 * @param rows their rows
 * @param paddedRows rows the model ran (more than {@code rows} when the batch was padded to a warmed size)
 * @param stageNanos stacking the requests' inputs into the runner's staging buffer
 * @param runNanos the model's run: host-to-device copy, compute, device-to-host copy (on a GPU)
 * @param splitNanos handing each request its rows of the outputs
 */
public record BatchTiming(int requests, long rows, long paddedRows, long stageNanos, long runNanos, long splitNanos) {}
