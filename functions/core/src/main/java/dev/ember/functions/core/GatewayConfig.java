package dev.ember.functions.core;

import java.time.Duration;
import java.util.Objects;

/**
 * How the gateway behaves. Defaults suit a gateway beside its pool on one network.
 *
 * @param keyPrefix prefix of every Redis key the gateway writes
 * @param maxElements largest number of tensor elements one request may carry
 * @param metadataTtl how long a model's signature and policy are reused before asking the pool again
 * @param poolTimeout the longest a call to the pool may take when the request names no deadline
 * @param fillLockTtl how long another process may hold the right to compute an answer we also need
 * @param fillWait how long to wait for that process's answer before computing it ourselves
 * @param connectionRetries extra attempts when the pool cannot be reached at all
 * @param breakerFailureRate percent of failed calls (over the last {@code breakerWindow}) that opens the circuit
 * @param breakerWindow calls the failure rate is measured over
 * @param breakerOpenFor how long an open circuit refuses calls before letting a few through
 */
public record GatewayConfig(
        String keyPrefix,
        long maxElements,
        Duration metadataTtl,
        Duration poolTimeout,
        Duration fillLockTtl,
        Duration fillWait,
        int connectionRetries,
        float breakerFailureRate,
        int breakerWindow,
        Duration breakerOpenFor) {

    public static final GatewayConfig DEFAULTS = new GatewayConfig(
            "ember:",
            16L << 20,
            Duration.ofSeconds(5),
            Duration.ofSeconds(30),
            Duration.ofSeconds(10),
            Duration.ofSeconds(5),
            2,
            50f,
            20,
            Duration.ofSeconds(5));

    public GatewayConfig {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        for (Duration d : new Duration[] {metadataTtl, poolTimeout, fillLockTtl, fillWait, breakerOpenFor}) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("gateway durations must be ≥ 0");
            }
        }
        if (maxElements < 1 || connectionRetries < 0 || breakerWindow < 1) {
            throw new IllegalArgumentException("maxElements and breakerWindow must be ≥ 1, connectionRetries ≥ 0");
        }
        if (breakerFailureRate <= 0 || breakerFailureRate > 100) {
            throw new IllegalArgumentException("breakerFailureRate must be in (0, 100]");
        }
    }

    public GatewayConfig withKeyPrefix(String prefix) {
        return new GatewayConfig(
                prefix,
                maxElements,
                metadataTtl,
                poolTimeout,
                fillLockTtl,
                fillWait,
                connectionRetries,
                breakerFailureRate,
                breakerWindow,
                breakerOpenFor);
    }

    public GatewayConfig withBreaker(float failureRate, int window, Duration openFor) {
        return new GatewayConfig(
                keyPrefix,
                maxElements,
                metadataTtl,
                poolTimeout,
                fillLockTtl,
                fillWait,
                connectionRetries,
                failureRate,
                window,
                openFor);
    }

    public GatewayConfig withFill(Duration lockTtl, Duration wait) {
        return new GatewayConfig(
                keyPrefix,
                maxElements,
                metadataTtl,
                poolTimeout,
                lockTtl,
                wait,
                connectionRetries,
                breakerFailureRate,
                breakerWindow,
                breakerOpenFor);
    }
}
