package dev.ember.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MaskedSumTest {

    @Test
    void sumsOnlyMaskedEntriesOfEachRow() throws Exception {
        float[][] x = {
            {1, 2, 3, 4},
            {-1.5f, 10, 100, 1000},
            {7, 7, 7, 7},
        };
        boolean[][] mask = {
            {true, true, true, true},
            {false, true, false, true},
            {false, false, false, false},
        };
        try (OrtSession session = OrtSessions.open("masked-sum");
                OnnxTensor xs = OnnxTensor.createTensor(OrtSessions.ENV, x);
                OnnxTensor masks = OnnxTensor.createTensor(OrtSessions.ENV, mask);
                OrtSession.Result result = session.run(Map.of("x", xs, "mask", masks))) {
            assertThat(OrtSessions.shape(session.getInputInfo().get("x")))
                    .containsExactly(TinyModels.MASKED_ROWS, TinyModels.MASKED_COLS);
            float[] sum = (float[]) result.get("sum").orElseThrow().getValue();
            assertThat(sum).containsExactly(new float[] {10, 1010, 0}, within(1e-6f));
        }
    }
}
