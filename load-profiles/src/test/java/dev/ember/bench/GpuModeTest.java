package dev.ember.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.config.CudaOptions;
import dev.ember.pool.api.config.ModelConfig;
import dev.ember.pool.api.config.ModelConfigReader;
import dev.ember.warmup.plan.WarmupPlan;
import org.junit.jupiter.api.Test;

class GpuModeTest {
    @Test
    void theGpuWorkerConfigIsValidAndEveryBatchItFormsRunsAtAWarmedSize() {
        ModelConfig padded = ModelConfigReader.parse(GpuMode.workerConfig(2, true, "heuristic"));
        assertThat(padded.cuda().sessionPerBatchSize()).isTrue();
        assertThat(padded.device().isGpu()).isTrue();
        assertThat(padded.gpuRequired()).isTrue();
        assertThat(padded.instances()).isEqualTo(2);
        assertThat(padded.cuda().convAlgoSearch()).isEqualTo(CudaOptions.ConvAlgoSearch.HEURISTIC);
        var sizes = WarmupPlan.batchSizes(padded, true);
        assertThat(sizes).containsExactly(1, 2, 4, 8);
        for (int rows = 1; rows <= padded.maxBatchSize(); rows++) {
            assertThat(sizes).contains(WarmupPlan.paddedRows(rows, sizes, padded.padBatches()));
        }
        ModelConfig unpadded = ModelConfigReader.parse(GpuMode.workerConfig(1, false, "exhaustive"));
        assertThat(unpadded.padBatches()).isFalse();
        assertThat(unpadded.cuda().convAlgoSearch()).isEqualTo(CudaOptions.ConvAlgoSearch.EXHAUSTIVE);
        assertThat(WarmupPlan.paddedRows(3, WarmupPlan.batchSizes(unpadded, true), false))
                .isEqualTo(3);
    }

    @Test
    void theWarmedSizesLargestIsTheMaximumBatchAndUnbatchedMeansNoBatching() {
        ModelConfig max32 = ModelConfigReader.parse(GpuMode.workerConfig(2, true, "heuristic", true, GpuMode.UP_TO_32));
        assertThat(max32.maxBatchSize()).isEqualTo(32);
        assertThat(max32.preferredBatchSizes()).containsExactly(1, 2, 4, 8, 16, 32);
        var sizes = WarmupPlan.batchSizes(max32, true);
        assertThat(sizes).containsExactly(1, 2, 4, 8, 16, 32);
        for (int rows = 1; rows <= max32.maxBatchSize(); rows++) {
            assertThat(sizes).contains(WarmupPlan.paddedRows(rows, sizes, true));
        }
        assertThat(ModelConfigReader.parse(GpuMode.unbatchedConfig(2, "heuristic"))
                        .batching())
                .isFalse();
    }
}
