package dev.ember.pool.controller;

import java.util.concurrent.CompletableFuture;

/** Makes a worker ready to serve a model. */
interface WorkerLauncher extends AutoCloseable {
    CompletableFuture<WorkerHandle> launch(String model);

    @Override
    void close();
}
