package dev.ember.functions.core;

import java.util.Locale;

/** How an answer was obtained, reported as the response parameter {@code ember.cache}. */
public enum CacheOutcome {
    /** From the response cache; no worker was involved. */
    HIT,
    /** Computed by the pool for this request. */
    MISS,
    /** Computed by the pool for an identical request in flight at the same time. */
    COALESCED,
    /** The pool could not answer; an older cached answer was served. */
    STALE;

    public static final String PARAMETER = "ember.cache";

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
