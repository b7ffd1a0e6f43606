package dev.ember.warmup.prepare;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@code bin/ember warmup prepare} leaves in its output folder, and where a worker finds it:
 * the class-data archive of the classes a worker loads until ready, and ONNX Runtime's optimized
 * models (the worker's optimized-model cache, keyed by model hash, ORT version, device and level).
 * The worker image carries the folder at {@link #IMAGE_ROOT}; the pool Services point the worker's
 * JVM and {@code --cache-dir} there.
 *
 * @param root the output folder
 */
public record PreparedLayout(Path root) {
    /** Where the worker image holds the prepared folder. */
    public static final String IMAGE_ROOT = "/ember/prepared";
    /** Where the worker image holds the model repository. */
    public static final String IMAGE_MODELS = "/models";

    public PreparedLayout {
        Objects.requireNonNull(root, "root");
    }

    public static PreparedLayout inImage() {
        return new PreparedLayout(Path.of(IMAGE_ROOT));
    }

    public Path classDataArchive() {
        return root.resolve("cds").resolve("worker.jsa");
    }

    public Path optimizedModels() {
        return root.resolve("optimized");
    }

    /** The JVM options that use the archive; {@code -Xshare:auto}: a mismatched archive costs only its benefit. */
    public String jvmOptions() {
        return "-XX:SharedArchiveFile=" + classDataArchive() + " -Xshare:auto";
    }
}
