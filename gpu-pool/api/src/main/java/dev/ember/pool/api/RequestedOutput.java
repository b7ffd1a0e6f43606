package dev.ember.pool.api;

import java.util.Objects;

/** An entry of a request's {@code outputs}: which output to return and how. */
public record RequestedOutput(String name, Parameters parameters) {
    public RequestedOutput {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(parameters, "parameters");
    }

    public static RequestedOutput named(String name) {
        return new RequestedOutput(name, Parameters.EMPTY);
    }

    /** The client asked for this output's data in the binary tensor extension. */
    public boolean binaryData() {
        return parameters.bool(Protocol.BINARY_DATA).orElse(false);
    }
}
