package dev.ember.knative.autopilot;

import java.time.Duration;
import java.util.Optional;

/**
 * What reached one model's pool since the last reading: calls counted and their mean time (empty
 * when there were none to average).
 */
public record ModelLoad(long requests, Optional<Duration> meanLatency) {
    public ModelLoad {
        if (requests < 0) {
            throw new IllegalArgumentException("requests must not be negative, was " + requests);
        }
    }
}
