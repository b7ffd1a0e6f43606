package dev.ember.pool.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.config.Device;
import dev.ember.pool.api.config.ModelConfigException;
import dev.ember.pool.api.config.ModelConfigReader;
import dev.ember.pool.worker.Worker;
import dev.ember.pool.worker.WorkerConfig;
import dev.ember.pool.worker.runtime.ModelSession;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU path is selected by config and falls back to CPU cleanly. These machines have no CUDA
 * (and the default build carries the CPU ONNX Runtime), so requesting a GPU exercises the fallback
 * for real; with {@code gpu_required} the load fails with a device error.
 */
class DeviceFallbackIT {
    @TempDir
    Path dir;

    @Test
    void aModelConfiguredForCudaRunsOnCpuWhenCudaIsMissing() {
        Path model = ModelFixtures.modelFile("mlp-tiny");
        try (ModelSession session =
                ModelSession.open("mlp-tiny", "1", model, ModelConfigReader.parse("device: cuda:0"))) {
            assertThat(session.device()).isEqualTo(Device.CPU);
            assertThat(session.metadata().inputs()).hasSize(1);
        }
    }

    @Test
    void aModelThatRequiresTheGpuFailsToLoadWithADeviceError() {
        Path model = ModelFixtures.modelFile("mlp-tiny");
        assertThatThrownBy(() -> ModelSession.open(
                        "mlp-tiny", "1", model, ModelConfigReader.parse("device: cuda:0\ngpu_required: true")))
                .isInstanceOfSatisfying(InferenceException.class, e -> {
                    assertThat(e.reason()).isEqualTo(InferenceException.Reason.DEVICE_ERROR);
                    assertThat(e.getMessage()).contains("requires cuda:0").contains("gpu_required");
                });
    }

    @Test
    void aWorkerWhoseModelRequiresAMissingGpuDoesNotStart() {
        ModelFixtures.repo(dir).add("needs-gpu", "mlp-tiny", 1, "device: cuda\ngpu_required: true\n");
        assertThatThrownBy(() -> Worker.start(WorkerConfig.local(dir, 0)))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("needs-gpu");
    }

    @Test
    void aWorkerWithAnInvalidConfigDoesNotStartAndSaysWhichFileAndKey() {
        ModelFixtures.repo(dir).add("typo", "mlp-tiny", 1, "max_batch: 8\n");
        assertThatThrownBy(() -> Worker.start(WorkerConfig.local(dir, 0)))
                .isInstanceOf(ModelConfigException.class)
                .hasMessageContaining("typo/config.yaml")
                .hasMessageContaining("max_batch");
    }
}
