package dev.ember.warmup.plan;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WarmupPlanTest {
    private final ModelMetadata image = new ModelMetadata(
            "det",
            List.of("1"),
            ModelMetadata.PLATFORM,
            List.of(new TensorMetadata("x", DataType.FP32, Shape.of(-1, 3, -1, -1))),
            List.of(new TensorMetadata("y", DataType.FP32, Shape.of(-1, 1, -1, -1))));

    @TempDir
    Path dir;

    @Test
    void onAGpuEverySizeTheBatcherCanFormIsWarmedUnlessBatchesArePadded() {
        ModelConfig gpu = ModelConfigReader.parse("device: cuda\nmax_batch_size: 6\npreferred_batch_sizes: [4]");
        assertThat(WarmupPlan.batchSizes(gpu, true)).containsExactly(1, 2, 3, 4, 5, 6);
        ModelConfig padded = ModelConfigReader.parse(
                "device: cuda\nmax_batch_size: 32\npreferred_batch_sizes: [8]\npad_batches: true");
        List<Integer> sizes = WarmupPlan.batchSizes(padded, true);
        assertThat(sizes).containsExactly(1, 8, 32);
        // Every size the batcher can form runs at a warmed size.
        for (int rows = 1; rows <= 32; rows++) {
            assertThat(sizes).contains(WarmupPlan.paddedRows(rows, sizes, true));
            assertThat(WarmupPlan.paddedRows(rows, sizes, true)).isGreaterThanOrEqualTo(rows);
        }
        assertThat(WarmupPlan.paddedRows(2, sizes, true)).isEqualTo(8);
        assertThat(WarmupPlan.paddedRows(9, sizes, true)).isEqualTo(32);
        assertThat(WarmupPlan.paddedRows(9, sizes, false)).isEqualTo(9);
        // Explicit sizes with padding still cover the maximum.
        ModelConfig explicit = ModelConfigReader.parse(
                "device: cuda\nmax_batch_size: 32\npad_batches: true\nwarmup: {batch_sizes: [1, 2, 4, 8, 16]}");
        assertThat(WarmupPlan.batchSizes(explicit, true)).containsExactly(1, 2, 4, 8, 16, 32);
        // On CPU the default stays 1, preferred and the maximum.
        ModelConfig cpu = ModelConfigReader.parse("max_batch_size: 6\npreferred_batch_sizes: [4]");
        assertThat(WarmupPlan.batchSizes(cpu, true)).containsExactly(1, 4, 6);
        assertThat(WarmupPlan.batchSizes(gpu, false)).containsExactly(1);
    }

    @Test
    void byDefaultOneThePreferredSizesAndTheMaximumAreWarmedAtTheConfiguredShape() {
        ModelConfig config = ModelConfigReader.parse(
                "max_batch_size: 8\npreferred_batch_sizes: [4]\nwarmup: {shapes: {x: [-1, 3, 64, 96]}}");
        WarmupPlan plan = WarmupPlan.of(config, image, true, dir);
        assertThat(plan.steps())
                .extracting(s -> s.shapes().get("x"))
                .containsExactly(Shape.of(1, 3, 64, 96), Shape.of(4, 3, 64, 96), Shape.of(8, 3, 64, 96));
        assertThat(plan.strict()).isTrue();
        Tensor x = plan.inputsFor(plan.steps().get(2)).get("x");
        assertThat(x.shape()).isEqualTo(Shape.of(8, 3, 64, 96));
        assertThat(x.datatype()).isEqualTo(DataType.FP32);
    }

    @Test
    void configuredBatchSizesReplaceTheDefaultsAndAnUnbatchedModelRunsOnce() {
        ModelConfig config = ModelConfigReader.parse("max_batch_size: 8\nwarmup: {batch_sizes: [16, 2]}");
        assertThat(WarmupPlan.batchSizes(config, true)).containsExactly(2); // 16 > max: never formed
        WarmupPlan unbatched = WarmupPlan.of(config, image, false, dir);
        assertThat(unbatched.steps()).hasSize(1);
        assertThat(unbatched.steps().get(0).shapes().get("x")).isEqualTo(Shape.of(1, 3, 1, 1));
        assertThat(unbatched.strict()).isFalse();
    }

    @Test
    void aSampleFileIsRepeatedToEachBatchSize() throws Exception {
        Files.writeString(dir.resolve("sample.json"), """
                {"inputs": [{"name": "x", "shape": [1, 3, 1, 2], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6]}]}""");
        ModelConfig config = ModelConfigReader.parse("max_batch_size: 2\nwarmup: {sample_inputs: sample.json}");
        WarmupPlan plan = WarmupPlan.of(config, image, true, dir);
        assertThat(plan.steps()).extracting(WarmupStep::batchSize).containsExactly(1, 2);
        WarmupStep two = plan.steps().get(1);
        assertThat(two.shapes().get("x")).isEqualTo(Shape.of(2, 3, 1, 2));
        assertThat(plan.inputsFor(two).get("x").toFloats()).containsExactly(1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6);
    }

    @Test
    void aSampleFileThatIsMissingOrLacksAnInputIsAModelError() throws Exception {
        ModelConfig config = ModelConfigReader.parse("max_batch_size: 2\nwarmup: {sample_inputs: sample.json}");
        assertThatThrownBy(() -> WarmupPlan.of(config, image, true, dir))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("cannot read warmup sample");
        Files.writeString(dir.resolve("sample.json"), """
                {"inputs": [{"name": "z", "shape": [1], "datatype": "FP32", "data": [1]}]}""");
        assertThatThrownBy(() -> WarmupPlan.of(config, image, true, dir)).hasMessageContaining("has no input 'x'");
    }

    @Test
    void disabledWarmupPlansNothing() {
        assertThat(WarmupPlan.of(ModelConfigReader.parse("warmup: {enabled: false}"), image, true, dir)
                        .isEmpty())
                .isTrue();
    }
}
