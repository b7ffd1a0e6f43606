package dev.ember.models;

import java.util.List;

/** One operator application in a graph. */
public record Node(String name, String opType, List<String> inputs, List<String> outputs, List<Attribute> attributes) {

    public Node {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        attributes = List.copyOf(attributes);
    }

    /** A single-output node named after what it produces, which keeps names unique and readable. */
    public static Node of(String opType, List<String> inputs, String output, Attribute... attributes) {
        return new Node(opType + "_" + output, opType, inputs, List.of(output), List.of(attributes));
    }
}
