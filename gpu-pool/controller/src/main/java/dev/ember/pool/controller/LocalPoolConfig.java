package dev.ember.pool.controller;

import dev.ember.pool.worker.WorkerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link LocalPool} runs its workers.
 *
 * @param models the model repository every worker serves from
 * @param launch how to start a worker JVM (classpath or jar, JVM options)
 * @param workerArgs extra worker arguments (e.g. {@code --cache-dir DIR})
 * @param spares spare runtimes kept started (ONNX Runtime up, no model) for fast cold starts
 * @param tick how often scaling decisions are made (Knative: 2 s)
 * @param reloadCheck how often the repository is checked for new versions (zero: never)
 * @param bufferTimeout how long a request waits for a worker when its model has none
 * @param maxBuffered requests that may wait for a worker per model; beyond, 429
 * @param workerStartTimeout how long a worker JVM may take to report ready
 */
public record LocalPoolConfig(
        Path models,
        WorkerProcess.Launch launch,
        List<String> workerArgs,
        int spares,
        Duration tick,
        Duration reloadCheck,
        Duration bufferTimeout,
        int maxBuffered,
        Duration workerStartTimeout) {

    public LocalPoolConfig {
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(launch, "launch");
        workerArgs = List.copyOf(workerArgs);
        if (spares < 0 || maxBuffered < 1) {
            throw new IllegalArgumentException("spares must be ≥ 0 and maxBuffered ≥ 1");
        }
        if (tick.isNegative() || tick.isZero() || bufferTimeout.isNegative() || bufferTimeout.isZero()) {
            throw new IllegalArgumentException("tick and bufferTimeout must be positive");
        }
    }

    public LocalPoolConfig withSpares(int count) {
        return new LocalPoolConfig(
                models, launch, workerArgs, count, tick, reloadCheck, bufferTimeout, maxBuffered, workerStartTimeout);
    }

    /** Defaults for a local machine: one spare, Knative's 2 s tick, 30 s at most waiting for a worker. */
    public static LocalPoolConfig defaults(Path models, WorkerProcess.Launch launch, List<String> workerArgs) {
        return new LocalPoolConfig(
                models,
                launch,
                workerArgs,
                1,
                Duration.ofSeconds(2),
                Duration.ofSeconds(2),
                Duration.ofSeconds(30),
                1000,
                Duration.ofSeconds(60));
    }
}
