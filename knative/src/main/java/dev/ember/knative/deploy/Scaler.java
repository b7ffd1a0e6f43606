package dev.ember.knative.deploy;

import dev.ember.knative.render.Labels;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;

/**
 * Moves a pool Service's floor: {@code min-scale} on its revision template, the annotation Knative's
 * autoscaler reads. A change of template annotations makes Knative roll a new revision with the
 * same image and spec, which is how a floor is changed in Knative; a Service whose traffic is
 * pinned to named revisions (a rollout in progress) would not send traffic to it, so such a
 * Service is refused until the rollout is promoted or rolled back.
 */
public final class Scaler {
    private final Cluster cluster;

    public Scaler(Cluster cluster) {
        this.cluster = cluster;
    }

    /** One floor change: what it was, what it is (or would be). */
    public record Change(String service, int from, int to, boolean applied) {
        @Override
        public String toString() {
            return service + " min-scale " + from + " → " + to + (applied ? "" : " (dry run: nothing changed)");
        }
    }

    /**
     * Holds at least {@code min} workers for {@code model}; with {@code hold}, the autopilot keeps
     * that floor until the time is up, then plans freely again.
     */
    public Change prewarm(String model, int min, Optional<Duration> hold, Instant now, boolean dryRun) {
        if (min < 0) {
            throw new DeployException("--min must be ≥ 0, got " + min);
        }
        Service s = cluster.pool(model);
        int max = intAnnotation(s, Labels.MAX_SCALE, Integer.MAX_VALUE);
        if (min > max) {
            throw new DeployException(
                    "--min " + min + " is above the model's max-scale " + max + " (max_workers in its config.yaml)");
        }
        return setMinScale(s, min, Hold.of(hold.map(now::plus)), dryRun);
    }

    /** Every pool (and the functions) to min-scale 0: nothing runs without traffic. */
    public List<Change> scaleToZero(boolean dryRun) {
        List<Change> changes = new ArrayList<>();
        for (Service s : cluster.services()) {
            changes.add(setMinScale(s, 0, Hold.CLEAR, dryRun));
        }
        return changes;
    }

    /** What a floor change does to a {@code prewarm --for} hold. */
    public record Hold(Optional<Instant> until, boolean clear) {
        public static final Hold KEEP = new Hold(Optional.empty(), false);
        public static final Hold CLEAR = new Hold(Optional.empty(), true);

        static Hold of(Optional<Instant> until) {
            return until.isPresent() ? new Hold(until, false) : CLEAR;
        }
    }

    /**
     * Sets {@code min-scale} of {@code service} (a no-op if it is already that and the hold does not
     * change): the one write path for {@code prewarm}, {@code scale-to-zero} and the autopilot.
     */
    public Change setMinScale(Service service, int min, Hold hold, boolean dryRun) {
        String name = service.getMetadata().getName();
        int from = intAnnotation(service, Labels.MIN_SCALE, 0);
        boolean holding = service.getMetadata().getAnnotations() != null
                && service.getMetadata().getAnnotations().containsKey(Labels.PREWARM_UNTIL);
        boolean holdChanges = hold.until().isPresent() || (hold.clear() && holding);
        if (from == min && !holdChanges) {
            return new Change(name, from, min, false);
        }
        if (pinned(service)) {
            throw new DeployException(name + " is mid-rollout (its traffic is pinned to named revisions): a new "
                    + "min-scale would roll a revision that takes no traffic. Finish the rollout (`deploy rollout "
                    + "--percent 100`) or `deploy rollback` first");
        }
        if (dryRun) {
            return new Change(name, from, min, false);
        }
        cluster.call(
                "patch knative service " + name,
                () -> cluster.service(name).edit(s -> {
                    var template = s.getSpec().getTemplate().getMetadata();
                    if (template.getAnnotations() == null) {
                        template.setAnnotations(new HashMap<>());
                    }
                    template.getAnnotations().put(Labels.MIN_SCALE, Integer.toString(min));
                    template.setName(null); // Knative names the new revision
                    if (s.getMetadata().getAnnotations() == null) {
                        s.getMetadata().setAnnotations(new HashMap<>());
                    }
                    if (hold.until().isPresent()) {
                        s.getMetadata()
                                .getAnnotations()
                                .put(Labels.PREWARM_UNTIL, hold.until().get().toString());
                        s.getMetadata().getAnnotations().put(Labels.PREWARM_MIN, Integer.toString(min));
                    } else if (hold.clear()) {
                        s.getMetadata().getAnnotations().remove(Labels.PREWARM_UNTIL);
                        s.getMetadata().getAnnotations().remove(Labels.PREWARM_MIN);
                    }
                    return s;
                }));
        return new Change(name, from, min, true);
    }

    /** The floor a {@code prewarm --for} holds at {@code now}, if one does. */
    public static Optional<Integer> heldFloor(Service s, Instant now) {
        var annotations = s.getMetadata().getAnnotations();
        if (annotations == null || !annotations.containsKey(Labels.PREWARM_UNTIL)) {
            return Optional.empty();
        }
        try {
            Instant until = Instant.parse(annotations.get(Labels.PREWARM_UNTIL));
            return until.isAfter(now)
                    ? Optional.of(Integer.parseInt(annotations.getOrDefault(Labels.PREWARM_MIN, "0")))
                    : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty(); // edited by hand into something unreadable: no hold
        }
    }

    /** True if traffic names revisions rather than following the latest one. */
    public static boolean pinned(Service s) {
        List<TrafficTarget> traffic = s.getSpec() == null ? null : s.getSpec().getTraffic();
        return traffic != null && traffic.stream().anyMatch(t -> t.getRevisionName() != null);
    }

    public static int intAnnotation(Service s, String key, int fallback) {
        String value = Applier.templateAnnotation(s, key);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }
}
