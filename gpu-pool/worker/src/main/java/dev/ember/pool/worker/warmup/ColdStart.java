package dev.ember.pool.worker.warmup;

import java.time.Duration;
import java.util.Objects;

/**
 * What making a model servable cost, by phase: creating its ONNX Runtime session ({@code
 * modelLoad}) and running it once per warmup batch size ({@code warmup}). The process-wide phases
 * (spawning the JVM, initialising ONNX Runtime) are measured by whoever starts the process.
 */
public record ColdStart(Duration modelLoad, Duration warmup, int warmupRuns) {
    public static final String PHASE_SPAWN = "spawn";
    public static final String PHASE_RUNTIME_INIT = "runtime_init";
    public static final String PHASE_MODEL_LOAD = "model_load";
    public static final String PHASE_WARMUP = "warmup";

    public ColdStart {
        Objects.requireNonNull(modelLoad, "modelLoad");
        Objects.requireNonNull(warmup, "warmup");
    }
}
