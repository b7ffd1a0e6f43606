package dev.ember.warmup.prewarm;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The floor (workers, or a Knative Service's {@code min-scale}) to hold now and over the next
 * minutes, and why. Logs print {@link #explain()}; tests compare plans whole.
 *
 * @param at when the plan was made
 * @param floor what to hold now: the highest floor among the slots within the lead time
 * @param reason the rule behind {@code floor}
 * @param expectedRps the busiest expected rate (requests/s) within the lead time; 0 without history
 * @param ahead one slot per minute from the current one to the end of the lookahead
 */
public record PrewarmPlan(Instant at, int floor, Reason reason, double expectedRps, List<Slot> ahead) {

    public enum Reason {
        /** No closed minute yet: nothing to forecast from, the configured floor holds. */
        NO_HISTORY,
        /** The forecast asks for no more than the configured floor ({@code min_warm}). */
        WARM_FLOOR,
        /** Expected requests are rarer than one per grace period: cheaper served cold, floor 0. */
        QUIET,
        /** The forecast asks for more than the configured floor. */
        FORECAST,
        /** The forecast asks for more than {@code max_workers}. */
        CAPPED_AT_MAX
    }

    /** One minute of the timeline: from {@code start}, hold {@code floor} workers. */
    public record Slot(Instant start, int floor, Reason reason, double expectedRps) {
        public Slot {
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(reason, "reason");
            if (floor < 0) {
                throw new IllegalArgumentException("floor must not be negative, was " + floor);
            }
        }
    }

    public PrewarmPlan {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(reason, "reason");
        ahead = List.copyOf(ahead);
        if (floor < 0) {
            throw new IllegalArgumentException("floor must not be negative, was " + floor);
        }
    }

    /**
     * E.g. {@code floor 4 (FORECAST: 56.00 req/s expected within the lead time; from
     * 2026-11-03T09:10:00Z 0 (QUIET))}: what is held now, why, and when the timeline changes it next.
     */
    public String explain() {
        StringBuilder s = new StringBuilder()
                .append("floor ")
                .append(floor)
                .append(" (")
                .append(reason)
                .append(String.format(Locale.ROOT, ": %.2f req/s expected within the lead time", expectedRps));
        // The next change after the slot that sets the floor held now.
        boolean reached = false;
        for (Slot slot : ahead) {
            if (!reached) {
                reached = slot.floor() == floor;
                continue;
            }
            if (slot.floor() != floor) {
                s.append("; from ")
                        .append(slot.start())
                        .append(" ")
                        .append(slot.floor())
                        .append(" (")
                        .append(slot.reason())
                        .append(")");
                break;
            }
        }
        return s.append(")").toString();
    }
}
