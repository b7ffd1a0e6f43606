package dev.ember.models;

import java.util.List;

/** A whole computation graph; {@link OnnxModelWriter} turns it into a model file. */
public record Graph(
        String name, List<Node> nodes, List<Tensor> initializers, List<ValueInfo> inputs, List<ValueInfo> outputs) {

    public Graph {
        nodes = List.copyOf(nodes);
        initializers = List.copyOf(initializers);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
