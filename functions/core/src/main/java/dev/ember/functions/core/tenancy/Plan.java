package dev.ember.functions.core.tenancy;

import dev.ember.pool.api.PriorityClass;
import java.util.Objects;

/**
 * What a tenant may do: a token bucket ({@code ratePerSecond} sustained, {@code burst} at once) and
 * the highest priority class its requests get (asking for more is capped, not refused).
 */
public record Plan(String name, double ratePerSecond, int burst, PriorityClass maxPriority) {
    /** Local use with auth off: no limit, any class. */
    public static final Plan UNLIMITED =
            new Plan("unlimited", Double.POSITIVE_INFINITY, Integer.MAX_VALUE, PriorityClass.VIP);

    public Plan {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(maxPriority, "maxPriority");
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("plan '" + name + "': rate_per_second must be > 0");
        }
        if (burst < 1) {
            throw new IllegalArgumentException("plan '" + name + "': burst must be ≥ 1");
        }
    }

    public boolean unlimited() {
        return Double.isInfinite(ratePerSecond);
    }

    /** The class a request of this plan gets when it asks for {@code requested}. */
    public PriorityClass cap(PriorityClass requested) {
        return requested.ordinal() < maxPriority.ordinal() ? maxPriority : requested;
    }
}
