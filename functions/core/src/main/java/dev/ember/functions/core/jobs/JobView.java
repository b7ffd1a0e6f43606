package dev.ember.functions.core.jobs;

import java.util.Optional;

/**
 * What {@code GET /jobs/{id}} answers: the job's status, and once finished its v2 response
 * (encoded JSON, as it will be sent) or the reason it failed.
 */
public record JobView(
        String id,
        String tenant,
        Status status,
        String model,
        int attempts,
        long submittedMillis,
        Optional<Long> finishedMillis,
        Optional<byte[]> response,
        Optional<String> error) {

    public enum Status {
        QUEUED,
        RUNNING,
        DONE,
        FAILED;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Status fromWire(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }

        public boolean finished() {
            return this == DONE || this == FAILED;
        }
    }
}
