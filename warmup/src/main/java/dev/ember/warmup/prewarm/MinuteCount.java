package dev.ember.warmup.prewarm;

import java.time.Instant;

/**
 * The requests one model received in one closed minute.
 *
 * @param epochMinute minutes since 1970-01-01T00:00Z
 * @param requests requests counted in that minute, not negative
 */
public record MinuteCount(long epochMinute, long requests) {
    public MinuteCount {
        if (requests < 0) {
            throw new IllegalArgumentException("requests must not be negative, was " + requests);
        }
    }

    public Instant start() {
        return Instant.ofEpochSecond(epochMinute * 60);
    }

    /** {@code "minute:requests"}, the form {@link RateHistoryStore}s keep. */
    public String encode() {
        return epochMinute + ":" + requests;
    }

    /** The inverse of {@link #encode()}. */
    public static MinuteCount decode(String text) {
        int colon = text.indexOf(':');
        if (colon < 1) {
            throw new IllegalArgumentException("not a minute count: '" + text + "'");
        }
        return new MinuteCount(Long.parseLong(text.substring(0, colon)), Long.parseLong(text.substring(colon + 1)));
    }
}
