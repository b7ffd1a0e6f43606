package dev.ember.pool.api;

import java.util.Locale;

/**
 * Admission classes, highest first. A worker serves a higher class before a lower one; each class
 * has its own queue cap and default deadline (see the model's config.yaml).
 */
public enum PriorityClass {
    VIP,
    REALTIME,
    ASYNC,
    BATCH;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PriorityClass fromWire(String name) {
        for (PriorityClass c : values()) {
            if (c.wireName().equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw InferenceException.badInput("unknown priority '" + name + "'; expected vip, realtime, async or batch");
    }
}
