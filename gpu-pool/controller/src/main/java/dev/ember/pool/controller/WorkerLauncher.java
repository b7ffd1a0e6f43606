package dev.ember.pool.controller;

import java.util.concurrent.CompletableFuture;

/** Makes a worker ready to serve a model. */
interface WorkerLauncher extends AutoCloseable {
    /**
     * A worker serving {@code model} at its newest version up to {@code upToVersion}: the version
     * the pool has seen load, so a newer one that does not cannot keep new workers from starting.
     */
    CompletableFuture<WorkerHandle> launch(String model, long upToVersion);

    @Override
    void close();
}
