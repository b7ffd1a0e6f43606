package dev.ember.pool.worker;

import dev.ember.pool.api.config.Device;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How a worker process runs.
 *
 * @param models the model repository
 * @param host address to bind ({@code 0.0.0.0} in a container, {@code 127.0.0.1} locally)
 * @param port 0 picks a free port
 * @param maxBodyBytes largest request body accepted
 * @param drainTimeout how long shutdown waits for queued requests
 * @param eventLoops HTTP I/O threads
 * @param cacheDir where ONNX Runtime's optimized models are kept between cold starts (empty: not kept)
 * @param spare when present, start as a spare: no model loaded, ONNX Runtime initialised and practised
 *     on this device (a GPU pool's spare pays CUDA's context, libraries and the provider's setup
 *     before it is given a model), waiting to be given one
 * @param only serve only these models of the repository (empty: every model); a Knative pool
 *     Service runs one model per pod from an image that holds the whole repository
 * @param upToVersion serve no version above this one (a Knative rollout pins each revision to its
 *     model version this way); {@link Long#MAX_VALUE}: no limit
 */
public record WorkerConfig(
        Path models,
        String host,
        int port,
        long maxBodyBytes,
        Duration drainTimeout,
        int eventLoops,
        Optional<Path> cacheDir,
        Optional<Device> spare,
        Set<String> only,
        long upToVersion) {
    public static final int DEFAULT_PORT = 8000;
    public static final long DEFAULT_MAX_BODY_BYTES = 64L << 20;

    public WorkerConfig {
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(cacheDir, "cacheDir");
        Objects.requireNonNull(spare, "spare");
        only = Set.copyOf(only);
        if (upToVersion < 1) {
            throw new IllegalArgumentException("up-to version must be ≥ 1, got " + upToVersion);
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], got " + port);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("max body must be at least 1 KiB, got " + maxBodyBytes);
        }
        if (eventLoops < 1) {
            throw new IllegalArgumentException("event loops must be ≥ 1, got " + eventLoops);
        }
    }

    public WorkerConfig(Path models, String host, int port, long maxBodyBytes, Duration drainTimeout, int eventLoops) {
        this(
                models,
                host,
                port,
                maxBodyBytes,
                drainTimeout,
                eventLoops,
                Optional.empty(),
                Optional.empty(),
                Set.of(),
                Long.MAX_VALUE);
    }

    public static WorkerConfig local(Path models, int port) {
        return new WorkerConfig(
                models,
                "127.0.0.1",
                port,
                DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(30),
                Math.max(1, Runtime.getRuntime().availableProcessors()));
    }

    public WorkerConfig withCacheDir(Path dir) {
        return new WorkerConfig(
                models, host, port, maxBodyBytes, drainTimeout, eventLoops, Optional.of(dir), spare, only, upToVersion);
    }

    public WorkerConfig asSpare() {
        return asSpare(Device.CPU);
    }

    /** A spare that practises on {@code device}. */
    public WorkerConfig asSpare(Device device) {
        return new WorkerConfig(
                models,
                host,
                port,
                maxBodyBytes,
                drainTimeout,
                eventLoops,
                cacheDir,
                Optional.of(device),
                only,
                upToVersion);
    }
}
