package dev.ember.pool.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.config.Device;
import dev.ember.pool.api.config.ModelConfig;
import dev.ember.pool.api.config.ModelConfigException;
import dev.ember.pool.api.config.ModelConfigReader;
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.Worker;
import dev.ember.pool.worker.WorkerConfig;
import dev.ember.pool.worker.runtime.ModelSession;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    void aGpuConfigWithCudaOptionsAndPaddedBatchesServesTheSameAnswersOnCpu() throws Exception {
        ModelFixtures.repo(dir)
                .add("plain", "mlp-tiny", 1, "max_batch_size: 0\n")
                .add("gpu-padded", "mlp-tiny", 1, """
                        device: cuda:0
                        max_batch_size: 8
                        max_queue_delay_ms: 20
                        pad_batches: true
                        warmup: {batch_sizes: [1, 4]}
                        cuda: {cudnn_conv_algo_search: exhaustive, gpu_mem_limit_mb: 1024,
                               arena_extend_strategy: same_as_requested, do_copy_in_default_stream: false,
                               enable_cuda_graph: true}
                        """);
        try (Worker worker = Worker.start(new WorkerConfig(dir, "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(10), 2));
                HttpPoolClient client = new HttpPoolClient(URI.create("http://127.0.0.1:" + worker.port()))) {
            List<CompletableFuture<InferenceResponse>> padded = new ArrayList<>();
            for (int rows : new int[] {1, 2, 3}) { // 6 rows, padded to 8 if they meet in one batch, else 4 or 8
                padded.add(client.infer("gpu-padded", null, WorkerIT.mlpRequest(rows)));
            }
            for (int i = 0; i < 3; i++) {
                InferenceResponse got = padded.get(i).get(10, TimeUnit.SECONDS);
                InferenceResponse want =
                        client.infer("plain", null, WorkerIT.mlpRequest(i + 1)).get(10, TimeUnit.SECONDS);
                assertThat(got.output("logits").orElseThrow().shape())
                        .isEqualTo(want.output("logits").orElseThrow().shape());
                assertThat(got.output("logits").orElseThrow().toFloats())
                        .containsExactly(want.output("logits").orElseThrow().toFloats(), within(1e-5f));
            }
            String metrics = new Http(worker.port()).get("/metrics").body();
            assertThat(metrics).contains("ember_batch_padding_count{model=\"gpu-padded\"}");
            assertThat(metrics).contains("ember_stage_seconds_count{model=\"gpu-padded\"}");
        }
    }

    @Test
    void perBatchSizeSessionsEachTakeTheirOwnShapeAndAnswerAsOneSessionDoes() {
        Path model = ModelFixtures.modelFile("mlp-tiny");
        ModelConfig config = ModelConfigReader.parse("max_batch_size: 8\npad_batches: true");
        try (ModelSession one = ModelSession.open("mlp-tiny", "1", model, config);
                ModelSession many = ModelSession.open("mlp-tiny", "1", model, config)) {
            many.openPerBatchSize(List.of(1, 4, 8), model, config, java.util.Optional.empty());
            assertThat(one.sessionCount()).isEqualTo(1);
            assertThat(many.sessionCount()).isEqualTo(3);
            for (int rows : new int[] {1, 4, 8, 3}) { // 3 has no session of its own: the first one runs it
                var inputs = WorkerIT.mlpRequest(rows).inputs().stream()
                        .collect(java.util.stream.Collectors.toMap(dev.ember.pool.api.Tensor::name, t -> t));
                float[] want = one.run(inputs, java.util.Set.of()).get("logits").toFloats();
                assertThat(many.run(inputs, java.util.Set.of()).get("logits").toFloats())
                        .containsExactly(want, within(1e-6f));
            }
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
