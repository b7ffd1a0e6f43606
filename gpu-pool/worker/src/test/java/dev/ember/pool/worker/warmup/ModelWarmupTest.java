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
import dev.ember.warmup.plan.WarmupPlan;
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
    void everyStepOfThePlanRunsOnceBeforeReady() {
        ModelConfig config = ModelConfigReader.parse(
                "max_batch_size: 8\npreferred_batch_sizes: [4]\nwarmup: {shapes: {x: [-1, 3, 64, 96]}}");
        int count = ModelWarmup.run("det", recording, WarmupPlan.of(config, image, true, dir));
        assertThat(count).isEqualTo(3);
        assertThat(runs)
                .extracting(r -> r.get("x").shape())
                .containsExactly(Shape.of(1, 3, 64, 96), Shape.of(4, 3, 64, 96), Shape.of(8, 3, 64, 96));
    }

    @Test
    void withGuessedInputsAFailureServesTheModelColdButWithConfiguredOnesItFailsTheLoad() {
        BatchRunner failing = (inputs, outputs) -> {
            throw new IllegalStateException("height must be a multiple of 32");
        };
        ModelConfig guessed = ModelConfigReader.parse("max_batch_size: 4");
        assertThat(ModelWarmup.run("det", failing, WarmupPlan.of(guessed, image, true, dir)))
                .isZero();

        ModelConfig explicit = ModelConfigReader.parse("max_batch_size: 4\nwarmup: {shapes: {x: [-1, 3, 50, 70]}}");
        assertThatThrownBy(() -> ModelWarmup.run("det", failing, WarmupPlan.of(explicit, image, true, dir)))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("warmup of model 'det' at batch size 1 failed")
                .hasMessageContaining("multiple of 32");
    }

    @Test
    void inParallelEveryStepRunsOnceAtTheSameTimeAndAConfiguredFailureStillFailsTheLoad() throws Exception {
        ModelConfig config = ModelConfigReader.parse(
                "max_batch_size: 8\npreferred_batch_sizes: [4]\nwarmup: {shapes: {x: [-1, 3, 64, 96]}}");
        java.util.concurrent.CountDownLatch together = new java.util.concurrent.CountDownLatch(3);
        List<Shape> shapes = java.util.Collections.synchronizedList(new ArrayList<>());
        BatchRunner meeting = (inputs, outputs) -> {
            together.countDown();
            try {
                // Each step waits for the others: this only finishes if all three run at once.
                assertThat(together.await(10, java.util.concurrent.TimeUnit.SECONDS))
                        .isTrue();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            shapes.add(inputs.get("x").shape());
            return Map.of();
        };
        assertThat(ModelWarmup.run("det", meeting, WarmupPlan.of(config, image, true, dir), true))
                .isEqualTo(3);
        assertThat(shapes)
                .containsExactlyInAnyOrder(Shape.of(1, 3, 64, 96), Shape.of(4, 3, 64, 96), Shape.of(8, 3, 64, 96));

        BatchRunner failsAtFour = (inputs, outputs) -> {
            if (inputs.get("x").shape().dim(0) == 4) {
                throw new IllegalStateException("out of memory");
            }
            return Map.of();
        };
        assertThatThrownBy(() -> ModelWarmup.run("det", failsAtFour, WarmupPlan.of(config, image, true, dir), true))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("warmup of model 'det' failed at batch size 4")
                .hasMessageContaining("out of memory");
    }

    @Test
    void anEmptyPlanRunsNothing() {
        assertThat(ModelWarmup.run("det", recording, WarmupPlan.NONE)).isZero();
        assertThat(runs).isEmpty();
    }
}
