package dev.ember.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbedInt64Test {

    @Test
    void embeddingIsMeanOfGatheredRows() throws Exception {
        long[][] ids = {
            {0, 1, 2, 3, 4, 5, 6, 7},
            {63, 63, 63, 63, 63, 63, 63, 63},
            {5, 17, 42, 0, 9, 33, 61, 17},
        };
        float[][] table = TinyModels.embeddingTable();
        try (OrtSession session = OrtSessions.open("embed-int64");
                OnnxTensor tensor = OnnxTensor.createTensor(OrtSessions.ENV, ids);
                OrtSession.Result result = session.run(Map.of("ids", tensor))) {
            TensorInfo input = OrtSessions.tensorInfo(session.getInputInfo().get("ids"));
            assertThat(input.type).isEqualTo(OnnxJavaType.INT64);
            assertThat(input.getShape()).containsExactly(-1L, TinyModels.EMBED_IDS);

            float[][] embedding =
                    (float[][]) result.get("embedding").orElseThrow().getValue();
            assertThat(embedding).hasDimensions(ids.length, TinyModels.EMBED_DIM);
            for (int r = 0; r < ids.length; r++) {
                for (int d = 0; d < TinyModels.EMBED_DIM; d++) {
                    double mean = 0;
                    for (long id : ids[r]) {
                        mean += table[(int) id][d];
                    }
                    mean /= ids[r].length;
                    assertThat((double) embedding[r][d]).isCloseTo(mean, within(1e-6));
                }
            }
        }
    }
}
