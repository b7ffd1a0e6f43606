package dev.ember.knative.deploy;

import java.util.List;

/**
 * What {@code deploy apply} did (or, with {@code --dry-run}, would do), resource by resource.
 *
 * @param changes one line per resource: {@code created|updated|unchanged KIND NAME}
 */
public record ApplyReport(boolean dryRun, List<Change> changes) {
    public enum Action {
        CREATED,
        UPDATED,
        UNCHANGED
    }

    public record Change(Action action, String kind, String name) {
        @Override
        public String toString() {
            return action.name().toLowerCase(java.util.Locale.ROOT) + " " + kind + " " + name;
        }
    }

    public ApplyReport {
        changes = List.copyOf(changes);
    }

    public long count(Action action) {
        return changes.stream().filter(c -> c.action() == action).count();
    }
}
