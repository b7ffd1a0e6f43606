package dev.ember.knative.deploy;

import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.knative.serving.v1.TrafficTargetBuilder;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * New model versions on Knative. {@code rollout} makes a revision named {@code
 * ember-pool-<model>-v<V>} whose workers serve version V ({@code --up-to V}), tags it {@code
 * candidate} and gives it P % of the traffic, the rest staying on the revision that serves now
 * (tagged {@code stable}); {@code --percent 100} promotes it (all traffic follows the latest
 * revision again, tags dropped, floors can move again). {@code
 * rollback} sends all traffic back to the stable revision. Knative keeps both revisions, so either
 * move takes effect without a cold start of the revision that gets the traffic back.
 */
public final class Rollouts {
    public static final String STABLE = "stable";
    public static final String CANDIDATE = "candidate";

    private final Cluster cluster;

    public Rollouts(Cluster cluster) {
        this.cluster = cluster;
    }

    /** The traffic a rollout or rollback sets (or would set). */
    public record Result(String service, List<TrafficTarget> traffic, boolean applied) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(service).append(" traffic:");
            for (TrafficTarget t : traffic) {
                s.append(' ')
                        .append(t.getRevisionName() != null ? t.getRevisionName() : "latest")
                        .append('=')
                        .append(t.getPercent())
                        .append('%');
                if (t.getTag() != null) {
                    s.append(" (").append(t.getTag()).append(')');
                }
            }
            return s.append(applied ? "" : " (dry run: nothing changed)").toString();
        }
    }

    public Result rollout(String model, long version, int percent, boolean dryRun) {
        if (version < 1) {
            throw new DeployException("--version must be a model version (≥ 1), got " + version);
        }
        if (percent < 1 || percent > 100) {
            throw new DeployException("--percent must be between 1 and 100, got " + percent);
        }
        Service live = cluster.pool(model);
        String name = live.getMetadata().getName();
        String candidate = name + "-v" + version;
        String stable = stableRevision(live, candidate);
        List<TrafficTarget> traffic = new ArrayList<>();
        if (percent == 100) {
            // Promoted: the candidate is the template's revision, so traffic follows the latest again.
            traffic.add(new TrafficTargetBuilder()
                    .withLatestRevision(true)
                    .withPercent(100L)
                    .build());
        } else {
            traffic.add(target(stable, 100 - percent, STABLE));
            traffic.add(target(candidate, percent, CANDIDATE));
        }
        if (!dryRun) {
            cluster.call(
                    "patch knative service " + name,
                    () -> cluster.service(name).edit(s -> {
                        var template = s.getSpec().getTemplate();
                        template.getMetadata().setName(candidate);
                        var container = template.getSpec().getContainers().get(0);
                        List<String> args = new ArrayList<>(container.getArgs());
                        int at = args.indexOf("--up-to");
                        if (at >= 0) {
                            args.set(at + 1, Long.toString(version));
                        } else {
                            args.add("--up-to");
                            args.add(Long.toString(version));
                        }
                        container.setArgs(args);
                        s.getSpec().setTraffic(traffic);
                        return s;
                    }));
        }
        return new Result(name, traffic, !dryRun);
    }

    public Result rollback(String model, boolean dryRun) {
        Service live = cluster.pool(model);
        String name = live.getMetadata().getName();
        List<TrafficTarget> now =
                live.getSpec().getTraffic() == null ? List.of() : live.getSpec().getTraffic();
        String stable = now.stream()
                .filter(t -> STABLE.equals(t.getTag()))
                .map(TrafficTarget::getRevisionName)
                .findFirst()
                .orElseThrow(() -> new DeployException(name + " has no rollout to roll back (no revision is tagged '"
                        + STABLE + "'); `deploy status` shows its traffic"));
        List<TrafficTarget> traffic = List.of(target(stable, 100, null));
        if (!dryRun) {
            cluster.call(
                    "patch knative service " + name,
                    () -> cluster.service(name).edit(s -> {
                        s.getSpec().setTraffic(traffic);
                        return s;
                    }));
        }
        return new Result(name, traffic, !dryRun);
    }

    /**
     * The revision serving now: the stable one of a rollout under way, else the one with the most
     * traffic, else the latest ready one.
     */
    private static String stableRevision(Service live, String candidate) {
        List<TrafficTarget> spec =
                live.getSpec().getTraffic() == null ? List.of() : live.getSpec().getTraffic();
        for (TrafficTarget t : spec) {
            if (STABLE.equals(t.getTag()) && t.getRevisionName() != null) {
                return t.getRevisionName();
            }
        }
        var named = spec.stream()
                .filter(t -> t.getRevisionName() != null && !t.getRevisionName().equals(candidate))
                .max(Comparator.comparingLong(t -> t.getPercent() == null ? 0 : t.getPercent()));
        if (named.isPresent()) {
            return named.get().getRevisionName();
        }
        if (live.getStatus() != null && live.getStatus().getLatestReadyRevisionName() != null) {
            return live.getStatus().getLatestReadyRevisionName();
        }
        throw new DeployException(live.getMetadata().getName() + " has no ready revision yet to keep serving "
                + "during the rollout; wait until `deploy status` shows one");
    }

    private static TrafficTarget target(String revision, int percent, String tag) {
        return new TrafficTargetBuilder()
                .withRevisionName(revision)
                .withPercent((long) percent)
                .withLatestRevision(false)
                .withTag(tag)
                .build();
    }
}
