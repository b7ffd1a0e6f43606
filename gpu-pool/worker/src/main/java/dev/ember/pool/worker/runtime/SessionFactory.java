package dev.ember.pool.worker.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import ai.onnxruntime.providers.OrtCUDAProviderOptions;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.config.Device;
import dev.ember.pool.api.config.ModelConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Builds ONNX Runtime sessions from a model's config. The device is data: CUDA is tried when
 * configured; if it cannot be used the session is built on CPU and that is logged once per
 * process, unless the model says {@code gpu_required}, in which case loading fails. On CUDA the
 * provider gets the model's {@code cuda:} options ({@link dev.ember.pool.api.config.CudaOptions}).
 */
final class SessionFactory {
    private static final System.Logger LOG = System.getLogger(SessionFactory.class.getName());
    private static final AtomicBoolean CPU_FALLBACK_LOGGED = new AtomicBoolean();

    /** A session and the device it actually runs on. */
    record Opened(OrtSession session, Device device) {}

    private SessionFactory() {}

    static Opened open(
            OrtEnvironment env, String model, Path file, ModelConfig config, Optional<OptimizedModelCache> cache) {
        Device wanted = config.device();
        if (wanted.isGpu()) {
            try {
                return new Opened(createCached(env, file, config, wanted, cache), wanted);
            } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
                if (config.gpuRequired()) {
                    throw new InferenceException(
                            InferenceException.Reason.DEVICE_ERROR,
                            "model '" + model + "' requires " + wanted
                                    + " (gpu_required: true) but CUDA cannot be used: " + e.getMessage(),
                            null,
                            e);
                }
                if (CPU_FALLBACK_LOGGED.compareAndSet(false, true)) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "CUDA is not usable here ({0}); models configured for {1} run on CPU",
                            e.getMessage(),
                            wanted);
                }
            }
        }
        try {
            return new Opened(createCached(env, file, config, Device.CPU, cache), Device.CPU);
        } catch (OrtException e) {
            throw new InferenceException(
                    InferenceException.Reason.MODEL_ERROR,
                    "model '" + model + "' (" + file + ") cannot be loaded: " + e.getMessage(),
                    null,
                    e);
        }
    }

    /**
     * With a cache: load the optimized form if it is there (without optimizing again), else
     * optimize the original and save the result for the next cold start.
     */
    private static OrtSession createCached(
            OrtEnvironment env, Path file, ModelConfig config, Device device, Optional<OptimizedModelCache> cache)
            throws OrtException {
        if (cache.isEmpty() || config.optimizationLevel() == ModelConfig.OptimizationLevel.DISABLE) {
            return create(env, file, config, device, config.optimizationLevel(), null);
        }
        OptimizedModelCache c = cache.get();
        Path entry = c.entryFor(file, env.getVersion(), device, config.optimizationLevel());
        if (c.existing(entry).isPresent()) {
            try {
                return create(env, entry, config, device, ModelConfig.OptimizationLevel.DISABLE, null);
            } catch (OrtException e) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "discarding unusable optimized model {0}: {1}",
                        entry,
                        e.getMessage());
                c.discard(entry);
            }
        }
        Path temporary = c.temporaryFor(entry);
        OrtSession session = create(env, file, config, device, config.optimizationLevel(), temporary);
        c.publish(temporary, entry);
        return session;
    }

    private static OrtSession create(
            OrtEnvironment env,
            Path file,
            ModelConfig config,
            Device device,
            ModelConfig.OptimizationLevel level,
            Path saveOptimizedTo)
            throws OrtException {
        try (SessionOptions options = new SessionOptions()) {
            options.setOptimizationLevel(
                    switch (level) {
                        case DISABLE -> OptLevel.NO_OPT;
                        case BASIC -> OptLevel.BASIC_OPT;
                        case EXTENDED -> OptLevel.EXTENDED_OPT;
                        case ALL -> OptLevel.ALL_OPT;
                    });
            if (saveOptimizedTo != null) {
                options.setOptimizedModelFilePath(saveOptimizedTo.toString());
            }
            if (config.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(config.intraOpThreads());
            }
            if (config.interOpThreads() > 0) {
                options.setInterOpNumThreads(config.interOpThreads());
            }
            String spin = config.allowSpinning() ? "1" : "0";
            options.addConfigEntry("session.intra_op.allow_spinning", spin);
            options.addConfigEntry("session.inter_op.allow_spinning", spin);
            if (device.isGpu()) {
                try (OrtCUDAProviderOptions cuda = new OrtCUDAProviderOptions(device.index())) {
                    for (Map.Entry<String, String> e :
                            config.cuda().providerOptions(device.index()).entrySet()) {
                        cuda.add(e.getKey(), e.getValue());
                    }
                    options.addCUDA(cuda);
                }
            }
            return env.createSession(file.toString(), options);
        }
    }
}
