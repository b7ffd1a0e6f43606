package dev.ember.knative.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ember.knative.render.Labels;
import dev.ember.knative.render.Manifests;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code deploy apply}: creates what is missing, updates what differs, leaves alone what is already
 * as rendered — "as rendered" meaning every rendered field is live with the same value ({@link
 * Subset}), so a second apply sends no write at all and nothing changes, not even a generation.
 *
 * <p>Two fields of a pool Service belong to other verbs once it exists and are kept as they are
 * live: its revision template's {@code min-scale} (moved by {@code prewarm}, {@code
 * scale-to-zero} and the autopilot) and its {@code traffic} (set by {@code rollout} and {@code
 * rollback}). Re-applying must not undo a prewarm or a canary.
 */
public final class Applier {
    private final Cluster cluster;
    private final KubernetesSerialization json = Manifests.serialization();

    public Applier(Cluster cluster) {
        this.cluster = cluster;
    }

    public ApplyReport apply(Manifests manifests, boolean dryRun) {
        List<ApplyReport.Change> changes = new ArrayList<>();
        for (HasMetadata desired : manifests.resources()) {
            String what = desired.getKind().toLowerCase(java.util.Locale.ROOT) + " "
                    + desired.getMetadata().getName();
            String action = "get " + apiOf(desired) + " " + what;
            HasMetadata live =
                    cluster.call(action, () -> cluster.kube().resource(desired).get());
            ApplyReport.Action result;
            if (live == null) {
                result = ApplyReport.Action.CREATED;
                if (!dryRun) {
                    cluster.call(
                            "create " + apiOf(desired) + " " + what,
                            () -> cluster.kube().resource(desired).create());
                }
            } else {
                HasMetadata wanted = keepLiveFields(desired, live);
                if (Subset.contains(tree(live), owned(tree(wanted)))) {
                    result = ApplyReport.Action.UNCHANGED;
                } else {
                    result = ApplyReport.Action.UPDATED;
                    if (!dryRun) {
                        HasMetadata merged = merge(wanted, live);
                        cluster.call(
                                "update " + apiOf(desired) + " " + what,
                                () -> cluster.kube().resource(merged).update());
                    }
                }
            }
            changes.add(new ApplyReport.Change(
                    result, desired.getKind(), desired.getMetadata().getName()));
        }
        return new ApplyReport(dryRun, changes);
    }

    /** The rendered resource with the live min-scale and traffic of a pool Service carried over. */
    private HasMetadata keepLiveFields(HasMetadata desired, HasMetadata live) {
        if (!(desired instanceof Service d) || !(live instanceof Service l) || !isPool(d)) {
            return desired;
        }
        Service copy = json.clone(d);
        String liveMin = templateAnnotation(l, Labels.MIN_SCALE);
        if (liveMin != null) {
            copy.getSpec().getTemplate().getMetadata().getAnnotations().put(Labels.MIN_SCALE, liveMin);
        }
        if (l.getSpec() != null
                && l.getSpec().getTraffic() != null
                && !l.getSpec().getTraffic().isEmpty()) {
            copy.getSpec().setTraffic(l.getSpec().getTraffic());
        }
        if (l.getSpec() != null
                && l.getSpec().getTemplate() != null
                && l.getSpec().getTemplate().getMetadata() != null) {
            // A revision name set by rollout stays while the rest of the template is unchanged.
            copy.getSpec()
                    .getTemplate()
                    .getMetadata()
                    .setName(l.getSpec().getTemplate().getMetadata().getName());
        }
        return copy;
    }

    /** The live object with our labels, annotations and spec (or data) in place of its own. */
    private HasMetadata merge(HasMetadata wanted, HasMetadata live) {
        ObjectNode merged = (ObjectNode) tree(live);
        ObjectNode want = (ObjectNode) tree(wanted);
        ObjectNode metadata = (ObjectNode) merged.get("metadata");
        for (String field : new String[] {"labels", "annotations"}) {
            Map<String, String> values = new TreeMap<>();
            if (metadata.has(field)) {
                metadata.get(field)
                        .fields()
                        .forEachRemaining(
                                e -> values.put(e.getKey(), e.getValue().asText()));
            }
            if (want.get("metadata").has(field)) {
                want.get("metadata")
                        .get(field)
                        .fields()
                        .forEachRemaining(
                                e -> values.put(e.getKey(), e.getValue().asText()));
            }
            metadata.set(field, json.convertValue(values, JsonNode.class));
        }
        for (String field : new String[] {"spec", "data"}) {
            if (want.has(field)) {
                merged.set(field, want.get(field));
            }
        }
        merged.remove("status");
        return json.convertValue(merged, live.getClass());
    }

    /** The parts of a rendered resource apply owns: labels, annotations, spec or data. */
    private static JsonNode owned(JsonNode rendered) {
        ObjectNode owned = ((ObjectNode) rendered).deepCopy();
        ObjectNode metadata = (ObjectNode) owned.get("metadata");
        metadata.retain("name", "namespace", "labels", "annotations");
        owned.retain("metadata", "spec", "data");
        if (owned.has("spec")
                && owned.get("spec").has("template")
                && owned.get("spec").get("template").has("metadata")) {
            JsonNode name = owned.get("spec").get("template").get("metadata").get("name");
            if (name == null || name.isNull()) {
                ((ObjectNode) owned.get("spec").get("template").get("metadata")).remove("name");
            }
        }
        return owned;
    }

    private JsonNode tree(HasMetadata resource) {
        return json.convertValue(resource, JsonNode.class);
    }

    static boolean isPool(Service s) {
        return s.getMetadata().getLabels() != null
                && s.getMetadata().getLabels().containsKey(Labels.MODEL);
    }

    static String templateAnnotation(Service s, String key) {
        if (s.getSpec() == null
                || s.getSpec().getTemplate() == null
                || s.getSpec().getTemplate().getMetadata() == null
                || s.getSpec().getTemplate().getMetadata().getAnnotations() == null) {
            return null;
        }
        return s.getSpec().getTemplate().getMetadata().getAnnotations().get(key);
    }

    private static String apiOf(HasMetadata r) {
        String api = r.getApiVersion();
        return api.contains("knative") ? (api.contains("eventing") ? "knative eventing" : "knative serving") : "";
    }
}
