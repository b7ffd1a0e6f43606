package dev.ember.pool.worker.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import dev.ember.pool.api.config.Device;
import dev.ember.pool.api.config.ModelConfig;
import dev.ember.pool.worker.batching.BatchRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

/**
 * One loaded ONNX model: the sole owner of its native session. {@link #run} is safe from several
 * threads at once (ONNX Runtime sessions are); input tensors are freed in {@code finally}, results
 * are closed after their data is copied out. Failures are typed: an input ONNX Runtime rejects as
 * invalid is {@code BAD_INPUT}, a failure on the GPU is {@code DEVICE_ERROR}, anything else is
 * {@code MODEL_ERROR}.
 */
public final class ModelSession implements BatchRunner, AutoCloseable {
    private static final Pattern ORT_PREFIX = Pattern.compile("^Error code - \\S+ - message: ");

    private final String name;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final Device device;
    private final ModelMetadata metadata;
    /** Sessions by batch size (dimension 0), each fed only that shape; empty: {@link #session} runs all. */
    private volatile Map<Long, OrtSession> byBatchSize = Map.of();

    private ModelSession(String name, OrtEnvironment env, OrtSession session, Device device, ModelMetadata metadata) {
        this.name = name;
        this.env = env;
        this.session = session;
        this.device = device;
        this.metadata = metadata;
    }

    /**
     * Loads {@code file}. Fails with MODEL_ERROR if the file is not a model Ember can serve, or
     * DEVICE_ERROR if the config requires a GPU that cannot be used.
     */
    public static ModelSession open(String name, String version, Path file, ModelConfig config) {
        return open(name, version, file, config, Optional.empty());
    }

    /** As {@link #open(String, String, Path, ModelConfig)}, reusing ONNX Runtime's optimized form from {@code cache}. */
    public static ModelSession open(
            String name, String version, Path file, ModelConfig config, Optional<OptimizedModelCache> cache) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        SessionFactory.Opened opened = SessionFactory.open(env, name, file, config, cache);
        try {
            ModelMetadata metadata = new ModelMetadata(
                    name,
                    List.of(version),
                    ModelMetadata.PLATFORM,
                    signature(name, opened.session().getInputInfo(), true),
                    signature(name, opened.session().getOutputInfo(), false));
            return new ModelSession(name, env, opened.session(), opened.device(), metadata);
        } catch (OrtException | RuntimeException e) {
            closeQuietly(opened.session());
            throw e instanceof InferenceException ie
                    ? ie
                    : new InferenceException(
                            InferenceException.Reason.MODEL_ERROR,
                            "model '" + name + "' cannot be inspected: " + e.getMessage(),
                            null,
                            e);
        }
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    /**
     * Opens one more session per batch size in {@code sizes} but the first (which the primary
     * session takes), so that each session only ever sees one shape: on CUDA, ONNX Runtime 1.23.2's
     * convolutions redo their first-run work whenever a session's input shape changes (see {@link
     * dev.ember.pool.api.config.CudaOptions#sessionPerBatchSize}). Call once, before serving. A batch
     * of any other size runs on the primary session.
     */
    public void openPerBatchSize(
            List<Integer> sizes, Path file, ModelConfig config, Optional<OptimizedModelCache> cache) {
        // Side by side: each is mostly the provider's own setup and the weights' upload (~0.1 s on
        // the H200 each), and the first session has already written the optimized form to the cache.
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, sizes.size() - 1), r -> {
            Thread t = new Thread(r, "ember-open-" + name);
            t.setDaemon(true);
            return t;
        });
        Map<Long, Future<SessionFactory.Opened>> opening = new LinkedHashMap<>();
        for (int i = 1; i < sizes.size(); i++) {
            opening.put((long) sizes.get(i), pool.submit(() -> SessionFactory.open(env, name, file, config, cache)));
        }
        pool.shutdown();
        Map<Long, OrtSession> opened = new LinkedHashMap<>();
        RuntimeException failure = null;
        for (Map.Entry<Long, Future<SessionFactory.Opened>> e : opening.entrySet()) {
            try {
                SessionFactory.Opened o = e.getValue().get();
                opened.put(e.getKey(), o.session());
                if (failure == null && !o.device().equals(device)) {
                    failure = new InferenceException(
                            InferenceException.Reason.DEVICE_ERROR,
                            "model '" + name + "': a session for batch size " + e.getKey() + " opened on " + o.device()
                                    + ", the first on " + device);
                }
            } catch (ExecutionException x) {
                if (failure == null) {
                    failure = x.getCause() instanceof RuntimeException r
                            ? r
                            : new InferenceException(
                                    InferenceException.Reason.MODEL_ERROR,
                                    "model '" + name + "': a session for batch size " + e.getKey() + " failed to open: "
                                            + x.getCause(),
                                    null,
                                    x.getCause());
                }
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new InferenceException(
                            InferenceException.Reason.MODEL_ERROR, "model '" + name + "': opening interrupted");
                }
            }
        }
        if (failure != null) {
            opened.values().forEach(ModelSession::closeQuietly);
            throw failure;
        }
        if (!sizes.isEmpty()) {
            opened.put((long) sizes.get(0), session);
        }
        byBatchSize = Map.copyOf(opened);
    }

    /** How many sessions this model holds (1 unless {@link #openPerBatchSize} added some). */
    public int sessionCount() {
        return Math.max(1, byBatchSize.size());
    }

    /** Where the session really runs (CPU after a CUDA fallback). */
    public Device device() {
        return device;
    }

    @Override
    public Map<String, Tensor> run(Map<String, Tensor> inputs, Set<String> outputs) {
        Map<String, OnnxTensor> ortInputs = new LinkedHashMap<>();
        try {
            for (Tensor t : inputs.values()) {
                ortInputs.put(t.name(), OrtTensors.toOrt(env, t));
            }
            OrtSession s = sessionFor(inputs);
            try (OrtSession.Result result = outputs.isEmpty() ? s.run(ortInputs) : s.run(ortInputs, outputs)) {
                Map<String, Tensor> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    out.put(e.getKey(), OrtTensors.fromOrt(e.getKey(), e.getValue()));
                }
                return out;
            }
        } catch (OrtException e) {
            throw classify(e);
        } finally {
            ortInputs.values().forEach(OnnxTensor::close);
        }
    }

    private OrtSession sessionFor(Map<String, Tensor> inputs) {
        Map<Long, OrtSession> sessions = byBatchSize;
        if (sessions.isEmpty() || inputs.isEmpty()) {
            return session;
        }
        Tensor first = inputs.values().iterator().next();
        return first.shape().rank() == 0
                ? session
                : sessions.getOrDefault(first.shape().dim(0), session);
    }

    private InferenceException classify(OrtException e) {
        String message = e.getMessage();
        if (device.isGpu() && message != null && (message.contains("CUDA") || message.contains("cuDNN"))) {
            return new InferenceException(
                    InferenceException.Reason.DEVICE_ERROR,
                    "model '" + name + "' failed on " + device + ": " + message,
                    null,
                    e);
        }
        if (e.getCode() == OrtException.OrtErrorCode.ORT_INVALID_ARGUMENT) {
            return new InferenceException(
                    InferenceException.Reason.BAD_INPUT,
                    "model '" + name + "' could not run on this input: " + ortMessage(message),
                    null,
                    e);
        }
        // Whether the input is at fault here ONNX Runtime does not say: the batcher finds out by
        // running the request alone (DynamicBatcher#run).
        return new InferenceException(
                InferenceException.Reason.MODEL_ERROR, "model '" + name + "' failed: " + ortMessage(message), null, e);
    }

    /** ONNX Runtime's own words, without the Java binding's "Error code - ORT_X - message: " in front. */
    private static String ortMessage(String message) {
        return message == null ? "no message" : ORT_PREFIX.matcher(message).replaceFirst("");
    }

    @Override
    public void close() {
        for (OrtSession s : byBatchSize.values()) {
            if (s != session) {
                closeQuietly(s);
            }
        }
        closeQuietly(session);
    }

    private static List<TensorMetadata> signature(String model, Map<String, NodeInfo> nodes, boolean inputs) {
        List<TensorMetadata> out = new ArrayList<>();
        for (NodeInfo node : nodes.values()) {
            String what = (inputs ? "input '" : "output '") + node.getName() + "' of model '" + model + "'";
            if (!(node.getInfo() instanceof TensorInfo info)) {
                throw new InferenceException(
                        InferenceException.Reason.MODEL_ERROR,
                        what + " is not a tensor (" + node.getInfo() + "); Ember serves tensor models only");
            }
            DataType type = OrtTypes.dataType(info.onnxType)
                    .orElseThrow(() -> new InferenceException(
                            InferenceException.Reason.MODEL_ERROR, what + " has unsupported type " + info.onnxType));
            if (inputs && OrtTypes.javaType(type).isEmpty()) {
                throw new InferenceException(
                        InferenceException.Reason.MODEL_ERROR,
                        what + " is " + type + ", which ONNX Runtime's Java API cannot feed");
            }
            long[] dims = info.getShape();
            for (int i = 0; i < dims.length; i++) {
                if (dims[i] < 0) {
                    dims[i] = Shape.DYNAMIC; // symbolic or unknown
                }
            }
            out.add(new TensorMetadata(node.getName(), type, Shape.of(dims)));
        }
        return out;
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException e) {
            System.getLogger(ModelSession.class.getName())
                    .log(System.Logger.Level.WARNING, "closing a session failed: {0}", e.getMessage());
        }
    }
}
