package dev.ember.models;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.file.Path;

/** Opens models with the real ONNX Runtime and reads their declared signatures. */
final class OrtSessions {

    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private OrtSessions() {}

    /** A checked-in model under models/. */
    static OrtSession open(String model) throws OrtException {
        return open(RepositoryRoot.modelsDir(), model);
    }

    static OrtSession open(Path dir, String model) throws OrtException {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            return ENV.createSession(TinyModels.modelFile(dir, model).toString(), options);
        }
    }

    static TensorInfo tensorInfo(NodeInfo node) {
        return (TensorInfo) node.getInfo();
    }

    /** Declared shape; ONNX Runtime reports symbolic and unknown dimensions as -1. */
    static long[] shape(NodeInfo node) {
        return tensorInfo(node).getShape();
    }
}
