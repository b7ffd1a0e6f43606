package dev.ember.functions.core.jobs;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.PriorityClass;
import java.util.Locale;

/**
 * The two queues of async work, each a Redis Stream with its own consumer group: {@code async}
 * (single jobs) is read before {@code batch} (the requests of a batch submission), and each runs at
 * the pool priority of the same name.
 */
public enum JobClass {
    ASYNC(PriorityClass.ASYNC),
    BATCH(PriorityClass.BATCH);

    private final PriorityClass priority;

    JobClass(PriorityClass priority) {
        this.priority = priority;
    }

    public PriorityClass priority() {
        return priority;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static JobClass fromWire(String name) {
        for (JobClass c : values()) {
            if (c.wireName().equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw InferenceException.badInput("unknown job class '" + name + "'; expected async or batch");
    }
}
