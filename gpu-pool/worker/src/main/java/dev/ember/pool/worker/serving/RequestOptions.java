package dev.ember.pool.worker.serving;

import dev.ember.pool.api.PriorityClass;
import java.time.Duration;
import java.util.Optional;

/** Per-request overrides that arrive beside the body (HTTP headers); they win over body parameters. */
public record RequestOptions(Optional<PriorityClass> priority, Optional<Duration> timeout) {
    public static final RequestOptions NONE = new RequestOptions(Optional.empty(), Optional.empty());
}
