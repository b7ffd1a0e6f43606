package dev.ember.pool.worker.serving;

import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The served versions of one model, immutable: replaced as a whole when versions change, so a
 * request sees either the old set or the new one, never a mixture. With a canary, requests that
 * name no version go to the canary with probability {@code canaryPercent}%, otherwise to the newest
 * stable version.
 */
record ModelEntry(NavigableMap<Long, ServedModel> versions, Long canary, int canaryPercent) {
    ModelEntry {
        versions = Collections.unmodifiableNavigableMap(new TreeMap<>(versions));
    }

    /** The version a request without one goes to. */
    ServedModel route() {
        if (canary != null && ThreadLocalRandom.current().nextInt(100) < canaryPercent) {
            return versions.get(canary);
        }
        return stable();
    }

    /** The newest version that is not the canary. */
    ServedModel stable() {
        for (Long v : versions.descendingKeySet()) {
            if (!v.equals(canary)) {
                return versions.get(v);
            }
        }
        return versions.lastEntry().getValue();
    }
}
