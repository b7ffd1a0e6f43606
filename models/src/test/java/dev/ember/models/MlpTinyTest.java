package dev.ember.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MlpTinyTest {

    private static final List<DenseLayer> LAYERS = TinyModels.mlpTinyLayers();
    private static final int IN = LAYERS.get(0).inputs();
    private static final int K = LAYERS.get(LAYERS.size() - 1).outputs();

    @Test
    void declaresBatchedInputAndBothOutputs() throws Exception {
        try (OrtSession session = OrtSessions.open("mlp-tiny")) {
            assertThat(session.getInputNames()).containsExactly("input");
            assertThat(session.getOutputNames()).containsExactly("logits", "probabilities");
            assertThat(OrtSessions.shape(session.getInputInfo().get("input"))).containsExactly(-1L, IN);
            assertThat(OrtSessions.shape(session.getOutputInfo().get("logits"))).containsExactly(-1L, K);
            assertThat(OrtSessions.shape(session.getOutputInfo().get("probabilities")))
                    .containsExactly(-1L, K);
            assertThat(OrtSessions.tensorInfo(session.getInputInfo().get("input"))
                            .getDimensionNames())
                    .containsExactly("batch", "");
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5})
    void matchesPlainJavaForwardPass(int batch) throws Exception {
        float[][] input = randomInput(batch, 42 + batch);
        try (OrtSession session = OrtSessions.open("mlp-tiny");
                OnnxTensor tensor = OnnxTensor.createTensor(OrtSessions.ENV, input);
                OrtSession.Result result = session.run(Map.of("input", tensor))) {
            float[][] logits = (float[][]) result.get("logits").orElseThrow().getValue();
            float[][] probabilities =
                    (float[][]) result.get("probabilities").orElseThrow().getValue();
            assertThat(logits).hasDimensions(batch, K);
            for (int r = 0; r < batch; r++) {
                double[] expected = forward(input[r]);
                double[] softmax = softmax(expected);
                double total = 0;
                for (int k = 0; k < K; k++) {
                    assertThat((double) logits[r][k]).isCloseTo(expected[k], within(1e-4));
                    assertThat((double) probabilities[r][k]).isCloseTo(softmax[k], within(1e-4));
                    total += probabilities[r][k];
                }
                assertThat(total).isCloseTo(1.0, within(1e-5));
                // He scaling should leave the softmax undecided on random inputs, not one-hot.
                assertThat(max(probabilities[r])).isLessThan(0.99f);
            }
        }
    }

    private static double[] forward(float[] input) {
        double[] x = new double[input.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = input[i];
        }
        for (int l = 0; l < LAYERS.size(); l++) {
            DenseLayer layer = LAYERS.get(l);
            double[] y = new double[layer.outputs()];
            for (int j = 0; j < y.length; j++) {
                double acc = layer.bias(j);
                for (int i = 0; i < layer.inputs(); i++) {
                    acc += x[i] * layer.weight(i, j);
                }
                y[j] = l == LAYERS.size() - 1 ? acc : Math.max(0, acc);
            }
            x = y;
        }
        return x;
    }

    private static double[] softmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v);
        }
        double[] out = new double[logits.length];
        double sum = 0;
        for (int k = 0; k < out.length; k++) {
            out[k] = Math.exp(logits[k] - max);
            sum += out[k];
        }
        for (int k = 0; k < out.length; k++) {
            out[k] /= sum;
        }
        return out;
    }

    private static float[][] randomInput(int batch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] input = new float[batch][IN];
        for (float[] row : input) {
            for (int i = 0; i < IN; i++) {
                row[i] = (float) (random.nextDouble() * 2 - 1);
            }
        }
        return input;
    }

    private static float max(float[] values) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : values) {
            max = Math.max(max, v);
        }
        return max;
    }
}
