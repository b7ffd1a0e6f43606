package dev.ember.knative.deploy;

/** A deploy verb that cannot go on, with a message that says what to do; the CLI prints it and exits 1. */
public final class DeployException extends RuntimeException {
    public DeployException(String message) {
        super(message);
    }

    public DeployException(String message, Throwable cause) {
        super(message, cause);
    }
}
