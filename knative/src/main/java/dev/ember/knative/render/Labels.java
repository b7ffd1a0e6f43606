package dev.ember.knative.render;

import java.util.Map;
import java.util.TreeMap;

/** The labels and annotation keys Ember's manifests carry; {@code deploy delete} selects on {@link #MANAGED_BY}. */
public final class Labels {
    private Labels() {}

    public static final String PART_OF = "app.kubernetes.io/part-of";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String MODEL = "ember.dev/model";
    public static final String MANAGER = "ember-deploy";

    /** Knative's autoscaling annotations (on a revision template). */
    public static final String MIN_SCALE = "autoscaling.knative.dev/min-scale";

    public static final String MAX_SCALE = "autoscaling.knative.dev/max-scale";
    public static final String INITIAL_SCALE = "autoscaling.knative.dev/initial-scale";
    public static final String TARGET = "autoscaling.knative.dev/target";
    public static final String METRIC = "autoscaling.knative.dev/metric";
    public static final String WINDOW = "autoscaling.knative.dev/window";
    public static final String RETENTION = "autoscaling.knative.dev/scale-to-zero-pod-retention-period";

    /** Ember's own, on a pool Service: the configured floor (config.yaml's min_warm). */
    public static final String MIN_WARM = "ember.dev/min-warm";
    /** Set by {@code deploy prewarm --for}: the autopilot keeps at least {@link #PREWARM_MIN} until then. */
    public static final String PREWARM_UNTIL = "ember.dev/prewarm-until";

    public static final String PREWARM_MIN = "ember.dev/prewarm-min";

    public static Map<String, String> of(String component) {
        Map<String, String> labels = new TreeMap<>();
        labels.put(PART_OF, "ember");
        labels.put(MANAGED_BY, MANAGER);
        labels.put(COMPONENT, component);
        return labels;
    }

    public static Map<String, String> ofModel(String model) {
        Map<String, String> labels = of("pool");
        labels.put(MODEL, model);
        return labels;
    }
}
