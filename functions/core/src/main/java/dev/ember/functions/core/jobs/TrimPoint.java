package dev.ember.functions.core.jobs;

import java.util.List;
import java.util.Optional;

/**
 * How far a stream may be trimmed ({@code XTRIM MINID}): below the first entry some group still
 * needs. A group needs its pending entries (delivered, not acknowledged) and everything after its
 * last-delivered id; so for each group the bound is its lowest pending id, or, with nothing
 * pending, the id right after its last delivered one. The stream's bound is the lowest over its
 * groups; with no group at all nothing is trimmed (nobody has acknowledged anything).
 *
 * <p>Example: group A delivered up to 5-0 with 3-0 pending, group B delivered up to 4-0 with nothing
 * pending → A needs ≥ 3-0, B ≥ 4-1 → MINID 3-0: entries 1-0 and 2-0 go.
 */
public final class TrimPoint {
    /** One group's state, from {@code XINFO GROUPS} and {@code XPENDING}. */
    public record Group(String name, StreamId lastDelivered, Optional<StreamId> lowestPending) {}

    private TrimPoint() {}

    public static Optional<StreamId> of(List<Group> groups) {
        Optional<StreamId> min = Optional.empty();
        for (Group g : groups) {
            StreamId needed =
                    g.lowestPending().orElseGet(() -> g.lastDelivered().next());
            if (min.isEmpty() || needed.compareTo(min.get()) < 0) {
                min = Optional.of(needed);
            }
        }
        return min;
    }
}
