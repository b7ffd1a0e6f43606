package dev.ember.bench;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.ember.pool.api.config.CudaOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ceiling: ONNX Runtime's own {@code session.run} in a loop on one thread, on a prebuilt
 * direct input, at a fixed batch size. Nothing Ember adds is in this path.
 */
final class RawOrtThroughput {
    private RawOrtThroughput() {}

    /**
     * Sessions on CUDA are kept for the process, one per batch size: each costs 0.1–0.7 s to open
     * and its first run 0.1–2 s, and a CUDA session whose input shape changes pays that first run
     * again (ONNX Runtime 1.23.2, measured on the H200).
     */
    private static final Map<String, OrtSession> CUDA_SESSIONS = new ConcurrentHashMap<>();

    /** Rows per second at {@code batch}, on CPU. */
    static double rowsPerSecond(
            Path model, String input, long[] rowShape, int batch, int intraOpThreads, Duration warmup, Duration measure)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (intraOpThreads > 0) {
                options.setIntraOpNumThreads(intraOpThreads);
            }
            try (OrtSession session = env.createSession(model.toString(), options)) {
                return rowsPerSecond(session, input, rowShape, batch, warmup, measure);
            }
        }
    }

    /** Rows per second at {@code batch} on CUDA device 0 with {@code cuda}; the session is reused. */
    static double rowsPerSecondOnCuda(
            Path model, String input, long[] rowShape, int batch, CudaOptions cuda, Duration warmup, Duration measure)
            throws OrtException {
        String key = model + " " + cuda + " batch " + batch;
        OrtSession session = CUDA_SESSIONS.get(key);
        if (session == null) {
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                GpuMode.addCuda(options, cuda);
                session = OrtEnvironment.getEnvironment().createSession(model.toString(), options);
                CUDA_SESSIONS.put(key, session);
            }
        }
        return rowsPerSecond(session, input, rowShape, batch, warmup, measure);
    }

    private static double rowsPerSecond(
            OrtSession session, String input, long[] rowShape, int batch, Duration warmup, Duration measure)
            throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[] shape = rowShape.clone();
        shape[0] = batch;
        long elements = 1;
        for (long d : shape) {
            elements *= d;
        }
        ByteBuffer data = ByteBuffer.allocateDirect((int) elements * 4).order(ByteOrder.nativeOrder());
        for (int i = 0; i < elements; i++) {
            data.putFloat(i * 4, (i % 251) / 251f);
        }
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, data, shape, OnnxJavaType.FLOAT)) {
            Map<String, OnnxTensor> inputs = Map.of(input, tensor);
            runFor(session, inputs, warmup);
            long start = System.nanoTime();
            long runs = runFor(session, inputs, measure);
            return runs * batch / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static long runFor(OrtSession session, Map<String, OnnxTensor> inputs, Duration d) throws OrtException {
        long until = System.nanoTime() + d.toNanos();
        long runs = 0;
        do {
            try (OrtSession.Result r = session.run(inputs)) {
                ((OnnxTensor) r.get(0)).getByteBuffer(); // copy the output out, as any server must
            }
            runs++;
        } while (System.nanoTime() < until);
        return runs;
    }
}
