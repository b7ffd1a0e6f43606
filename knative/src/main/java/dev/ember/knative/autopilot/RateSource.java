package dev.ember.knative.autopilot;

import dev.ember.warmup.prewarm.MinuteCount;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Where the autopilot reads each model's pool calls from: the functions' metrics, or Prometheus. */
public interface RateSource {
    /** Calls per model since the previous reading (the first reading may report none). */
    Map<String, ModelLoad> read(Instant now);

    /**
     * Past minutes of {@code model}, oldest first, to start a history from when none is stored (a
     * Prometheus keeps days of them); empty if this source has no past.
     */
    default List<MinuteCount> history(String model, Instant now, int minutes) {
        return List.of();
    }
}
