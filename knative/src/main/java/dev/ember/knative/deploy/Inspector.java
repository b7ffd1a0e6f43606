package dev.ember.knative.deploy;

import dev.ember.knative.render.Labels;
import io.fabric8.knative.serving.v1.Revision;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.knative.serving.v1.TrafficTarget;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code deploy status} and {@code deploy delete}: what Ember has in the namespace, and removing it. */
public final class Inspector {
    private final Cluster cluster;

    public Inspector(Cluster cluster) {
        this.cluster = cluster;
    }

    /** One Knative Service as {@code status} shows it. */
    public record ServiceStatus(
            String name,
            String url,
            String ready,
            String latestReadyRevision,
            Integer readyReplicas,
            int minScale,
            List<String> traffic,
            String prewarmUntil) {
        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%-28s ready=%-7s replicas=%-4s min-scale=%-3d revision=%s traffic=%s%s%s",
                    name,
                    ready,
                    readyReplicas == null ? "?" : readyReplicas.toString(),
                    minScale,
                    latestReadyRevision == null ? "-" : latestReadyRevision,
                    traffic.isEmpty() ? "latest=100%" : String.join(",", traffic),
                    url == null ? "" : " url=" + url,
                    prewarmUntil == null ? "" : " prewarm-until=" + prewarmUntil);
        }
    }

    public List<ServiceStatus> status() {
        List<ServiceStatus> out = new ArrayList<>();
        for (Service s : cluster.services()) {
            var st = s.getStatus();
            String ready = "Unknown";
            String url = null;
            String latest = null;
            List<String> traffic = new ArrayList<>();
            if (st != null) {
                url = st.getUrl();
                latest = st.getLatestReadyRevisionName();
                if (st.getConditions() != null) {
                    ready = st.getConditions().stream()
                            .filter(c -> "Ready".equals(c.getType()))
                            .map(c -> c.getStatus())
                            .findFirst()
                            .orElse("Unknown");
                }
            }
            List<TrafficTarget> targets =
                    st != null && st.getTraffic() != null && !st.getTraffic().isEmpty()
                            ? st.getTraffic()
                            : (s.getSpec().getTraffic() == null
                                    ? List.of()
                                    : s.getSpec().getTraffic());
            for (TrafficTarget t : targets) {
                traffic.add((t.getRevisionName() != null ? t.getRevisionName() : "latest") + "=" + t.getPercent() + "%"
                        + (t.getTag() != null ? "(" + t.getTag() + ")" : ""));
            }
            Integer replicas = null;
            if (latest != null) {
                String revision = latest;
                Revision r = cluster.call(
                        "get knative revision " + revision,
                        () -> cluster.knative()
                                .revisions()
                                .inNamespace(cluster.namespace())
                                .withName(revision)
                                .get());
                if (r != null && r.getStatus() != null) {
                    replicas = r.getStatus().getActualReplicas();
                }
            }
            var annotations = s.getMetadata().getAnnotations();
            out.add(new ServiceStatus(
                    s.getMetadata().getName(),
                    url,
                    ready,
                    latest,
                    replicas,
                    Scaler.intAnnotation(s, Labels.MIN_SCALE, 0),
                    traffic,
                    annotations == null ? null : annotations.get(Labels.PREWARM_UNTIL)));
        }
        return out;
    }

    /** Deletes everything Ember rendered (by its managed-by label); returns what was (or would be) deleted. */
    public List<String> delete(boolean dryRun) {
        List<HasMetadata> found = new ArrayList<>();
        found.addAll(cluster.services());
        found.addAll(cluster.call(
                        "list knative triggers",
                        () -> cluster.knative()
                                .triggers()
                                .inNamespace(cluster.namespace())
                                .withLabel(Labels.MANAGED_BY, Labels.MANAGER)
                                .list())
                .getItems());
        found.addAll(cluster.call(
                        "list knative eventing brokers",
                        () -> cluster.knative()
                                .brokers()
                                .inNamespace(cluster.namespace())
                                .withLabel(Labels.MANAGED_BY, Labels.MANAGER)
                                .list())
                .getItems());
        found.addAll(cluster.call(
                        "list configmaps",
                        () -> cluster.kube()
                                .configMaps()
                                .inNamespace(cluster.namespace())
                                .withLabel(Labels.MANAGED_BY, Labels.MANAGER)
                                .list())
                .getItems());
        List<String> deleted = new ArrayList<>();
        for (HasMetadata r : found) {
            if (!dryRun) {
                cluster.call(
                        "delete " + r.getKind() + " " + r.getMetadata().getName(),
                        () -> cluster.kube().resource(r).delete());
            }
            deleted.add(r.getKind() + " " + r.getMetadata().getName());
        }
        return deleted;
    }
}
