package dev.ember.pool.worker.warmup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import dev.ember.pool.api.config.ModelConfig;
import dev.ember.pool.api.config.ModelConfigReader;
import dev.ember.pool.worker.batching.BatchRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelWarmupTest {
    private final List<Map<String, Tensor>> runs = new ArrayList<>();
    private final BatchRunner recording = (inputs, outputs) -> {
        runs.add(inputs);
        return Map.of();
    };
    private final ModelMetadata image = new ModelMetadata(
            "det",
            List.of("1"),
            ModelMetadata.PLATFORM,
            List.of(new TensorMetadata("x", DataType.FP32, Shape.of(-1, 3, -1, -1))),
            List.of(new TensorMetadata("y", DataType.FP32, Shape.of(-1, 1, -1, -1))));

    @TempDir
    Path dir;

    @Test
    void everyBatchSizeTheBatcherWillUseIsRunOnceBeforeReady() {
        ModelConfig config = ModelConfigReader.parse(
                "max_batch_size: 8\npreferred_batch_sizes: [4]\nwarmup: {shapes: {x: [-1, 3, 64, 96]}}");
        int count = ModelWarmup.run("det", recording, image, config, true, dir);
        assertThat(count).isEqualTo(3);
        assertThat(runs)
                .extracting(r -> r.get("x").shape())
                .containsExactly(Shape.of(1, 3, 64, 96), Shape.of(4, 3, 64, 96), Shape.of(8, 3, 64, 96));
    }

    @Test
    void configuredBatchSizesReplaceTheDefaultsAndAnUnbatchedModelRunsOnce() {
        ModelConfig config = ModelConfigReader.parse("max_batch_size: 8\nwarmup: {batch_sizes: [2, 16]}");
        ModelWarmup.run("det", recording, image, config, true, dir);
        assertThat(runs).extracting(r -> r.get("x").shape().dim(0)).containsExactly(2L); // 16 > max
        runs.clear();
        ModelWarmup.run("det", recording, image, config, false, dir);
        assertThat(runs).hasSize(1);
        assertThat(runs.get(0).get("x").shape()).isEqualTo(Shape.of(1, 3, 1, 1));
    }

    @Test
    void aSampleFileIsRepeatedToEachBatchSize() throws Exception {
        Files.writeString(dir.resolve("sample.json"), """
                {"inputs": [{"name": "x", "shape": [1, 3, 1, 2], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6]}]}""");
        ModelConfig config = ModelConfigReader.parse("max_batch_size: 2\nwarmup: {sample_inputs: sample.json}");
        ModelWarmup.run("det", recording, image, config, true, dir);
        Tensor two = runs.get(1).get("x");
        assertThat(two.shape()).isEqualTo(Shape.of(2, 3, 1, 2));
        assertThat(two.toFloats()).containsExactly(1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void withGuessedInputsAFailureServesTheModelColdButWithConfiguredOnesItFailsTheLoad() {
        BatchRunner failing = (inputs, outputs) -> {
            throw new IllegalStateException("height must be a multiple of 32");
        };
        ModelConfig guessed = ModelConfigReader.parse("max_batch_size: 4");
        assertThat(ModelWarmup.run("det", failing, image, guessed, true, dir)).isZero();

        ModelConfig explicit = ModelConfigReader.parse("max_batch_size: 4\nwarmup: {shapes: {x: [-1, 3, 50, 70]}}");
        assertThatThrownBy(() -> ModelWarmup.run("det", failing, image, explicit, true, dir))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("warmup of model 'det' at batch size 1 failed")
                .hasMessageContaining("multiple of 32");
    }

    @Test
    void disabledWarmupRunsNothing() {
        assertThat(ModelWarmup.run(
                        "det", recording, image, ModelConfigReader.parse("warmup: {enabled: false}"), true, dir))
                .isZero();
        assertThat(runs).isEmpty();
    }
}
