package dev.ember.pool.api.config;

/** A config.yaml that cannot be used; the message names the file and what is wrong. */
public final class ModelConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ModelConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
