package dev.ember.knative.render;

import dev.ember.knative.config.DeploymentConfig;
import dev.ember.knative.config.PoolModel;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything Ember deploys to a namespace, rendered from the model repository and a deployment
 * config, in the order it is applied: the ConfigMap, the pool Services (one per model), the
 * functions Service, then the Broker and its Triggers. Pure: no cluster is contacted.
 */
public record Manifests(String namespace, List<HasMetadata> resources) {
    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    public Manifests {
        Objects.requireNonNull(namespace, "namespace");
        resources = List.copyOf(resources);
    }

    public static Manifests render(List<PoolModel> models, DeploymentConfig config, String namespace) {
        List<HasMetadata> out = new ArrayList<>();
        out.add(ConfigMaps.render(config, models, namespace));
        for (PoolModel model : models) {
            out.add(PoolService.render(model, config, namespace));
        }
        out.add(FunctionsService.render(config, namespace));
        config.broker().ifPresent(broker -> {
            out.add(Eventing.broker(namespace, broker));
            for (String type : Eventing.CONSUMED) {
                out.add(Eventing.trigger(namespace, broker, type));
            }
        });
        return new Manifests(namespace, out);
    }

    /**
     * The concurrency target a model's pool Service gives Knative per pod: max batch size (1 if it
     * never batches) × instances, what one worker holds with every runner on a full batch.
     */
    public static int concurrencyTarget(dev.ember.pool.api.config.ModelConfig config) {
        return PoolService.concurrencyTarget(config);
    }

    /** The Knative Services (pools, then the functions). */
    public List<Service> services() {
        return resources.stream()
                .filter(Service.class::isInstance)
                .map(Service.class::cast)
                .toList();
    }

    /** One YAML document per resource, separated by {@code ---}. */
    public String toYaml() {
        StringBuilder yaml = new StringBuilder();
        for (HasMetadata r : resources) {
            yaml.append(toYaml(r));
        }
        return yaml.toString();
    }

    public static String toYaml(HasMetadata resource) {
        String doc = SERIALIZATION.asYaml(resource);
        return doc.startsWith("---") ? doc : "---\n" + doc;
    }

    public static KubernetesSerialization serialization() {
        return SERIALIZATION;
    }
}
