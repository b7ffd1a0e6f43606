package dev.ember.models;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Weights of one fully connected layer, {@code y = x W + b}, with {@code W} stored row-major as
 * [inputs][outputs] (the layout ONNX MatMul expects for the right-hand operand).
 */
public final class DenseLayer {

    private final int inputs;
    private final int outputs;
    private final float[] weights;
    private final float[] bias;

    private DenseLayer(int inputs, int outputs, float[] weights, float[] bias) {
        this.inputs = inputs;
        this.outputs = outputs;
        this.weights = weights;
        this.bias = bias;
    }

    /**
     * He-uniform weights, U(-sqrt(6/inputs), +sqrt(6/inputs)), which keep activations at roughly
     * unit scale through ReLU layers so the softmax at the end is not saturated. Built from
     * {@code nextLong()} bits only, whose sequence {@link SplittableRandom} fixes for a given seed,
     * so the model file does not depend on the JDK version.
     */
    public static DenseLayer heUniform(int inputs, int outputs, SplittableRandom random) {
        double limit = Math.sqrt(6.0 / inputs);
        float[] weights = new float[inputs * outputs];
        for (int k = 0; k < weights.length; k++) {
            weights[k] = (float) (symmetricUnit(random) * limit);
        }
        float[] bias = new float[outputs];
        for (int j = 0; j < outputs; j++) {
            // Small non-zero biases, so a test also catches a graph that drops the Add.
            bias[j] = (float) (symmetricUnit(random) * 0.1);
        }
        return new DenseLayer(inputs, outputs, weights, bias);
    }

    /** Uniform in [-1, 1), from the top 53 bits of one {@code nextLong()}. */
    static double symmetricUnit(SplittableRandom random) {
        return ((random.nextLong() >>> 11) * 0x1.0p-53) * 2.0 - 1.0;
    }

    public int inputs() {
        return inputs;
    }

    public int outputs() {
        return outputs;
    }

    public float weight(int input, int output) {
        return weights[input * outputs + output];
    }

    public float bias(int output) {
        return bias[output];
    }

    Tensor weightTensor(String name) {
        return Tensor.floats(name, List.of((long) inputs, (long) outputs), weights);
    }

    Tensor biasTensor(String name) {
        return Tensor.floats(name, List.of((long) outputs), bias);
    }
}
