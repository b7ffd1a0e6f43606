package dev.ember.pool.worker.repository;

import dev.ember.pool.api.config.ModelConfig;
import java.nio.file.Path;
import java.util.Objects;

/** One model version on disk: {@code <root>/<name>/<version>/model.onnx}, with its folder's config. */
public record ModelLocation(String name, long version, Path modelFile, ModelConfig config) {
    public ModelLocation {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(modelFile, "modelFile");
        Objects.requireNonNull(config, "config");
    }

    public String versionLabel() {
        return Long.toString(version);
    }

    /** The model's folder, where config.yaml and any sample inputs live. */
    public Path modelDirectory() {
        return modelFile.getParent().getParent();
    }
}
